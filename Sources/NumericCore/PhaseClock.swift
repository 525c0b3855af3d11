#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where a piece of work's time goes (`gscope bench --mode geffect --profile`): wall time summed
/// per named phase. A phase entered inside another pauses the outer one, so every phase reports
/// its own time and the phases add up to the time measured.
///
/// Off unless `start` was called; then `measure` only runs its body (one atomic load). Phases are
/// counted on the thread that called `start` only: a matrix product a worker runs inside a
/// parallel job belongs to the phase that launched the job. Timing never changes what is computed.
public enum PhaseClock {
    private struct State: @unchecked Sendable {
        var driver: pthread_t?
        var totals: [String: Duration] = [:]
        var order: [String] = []
        /// The open phases, innermost last, each with the instant its own time last resumed.
        var open: [(name: String, since: ContinuousClock.Instant)] = []
    }

    private static let on = Atomic<Bool>(false)
    private static let state = Mutex(State())

    /// Starts counting (forgetting earlier totals) on the calling thread.
    public static func start() {
        state.withLock { $0 = State(driver: pthread_self()) }
        on.store(true, ordering: .releasing)
    }

    /// Stops counting; returns each phase's seconds in the order the phases were first entered.
    public static func stop() -> [(phase: String, seconds: Double)] {
        on.store(false, ordering: .releasing)
        return state.withLock { s in s.order.map { ($0, s.totals[$0]!.seconds) } }
    }

    /// Runs `body`, adding its own time (less that of phases inside it) to phase `name`.
    @inlinable
    public static func measure<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard isCounting else { return try body() }
        enter(name)
        defer { leave() }
        return try body()
    }

    /// True while counting and on the thread that started it.
    @usableFromInline
    static var isCounting: Bool {
        guard on.load(ordering: .acquiring) else { return false }
        return state.withLock { s in s.driver.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    @usableFromInline
    static func enter(_ name: String) {
        let now = ContinuousClock.now
        state.withLock { s in
            if let outer = s.open.last { s.totals[outer.name, default: .zero] += now - outer.since }
            if s.totals[name] == nil { s.order.append(name); s.totals[name] = .zero }
            s.open.append((name, now))
        }
    }

    @usableFromInline
    static func leave() {
        let now = ContinuousClock.now
        state.withLock { s in
            guard let inner = s.open.popLast() else { return }
            s.totals[inner.name, default: .zero] += now - inner.since
            if let outer = s.open.popLast() { s.open.append((outer.name, now)) }
        }
    }
}
