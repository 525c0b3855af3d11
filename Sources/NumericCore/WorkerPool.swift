import Foundation
import Synchronization

/// A fixed team of threads for the engine's parallel loops, in the manner of OpenMP: the caller
/// is participant 0 and `size − 1` persistent workers are participants 1…
///
/// A parallel call hands out its jobs `0..<jobs` one at a time: the caller and every worker take
/// the next job not yet taken until none is left, so each job runs exactly once and a thread that
/// other processes keep off the cores holds nobody up — the others take its share. Which thread
/// runs a job is therefore a matter of timing; what a job computes must depend on its index only
/// (callers split work by problem size, never by thread, and combine partial results in index
/// order), and then the results are the same bits whatever the thread count or the machine's load.
///
/// Between jobs the workers spin for a while (`spinNanoseconds`, 2 ms) before sleeping, so a
/// training step's hundreds of short parallel phases start in nanoseconds instead of waiting for
/// a thread to be woken; 2 ms outlasts the serial stretches between them (a `small` step: median
/// 322–326 ms over four runs, against 330–358 ms with a 0.2 ms spin). Every spinning thread yields
/// its core now and then, so that when other processes compete for the cores a thread with work is
/// not kept waiting behind one that only spins. A call made while the team is busy (from inside a
/// job, or from a second thread) runs its jobs one after another on the calling thread: same
/// results, no deadlock.
final class WorkerPool: @unchecked Sendable {
    let size: Int
    private let spinNanoseconds: UInt64 = 2_000_000
    /// The current call as one word, so that a job is claimed only by a thread that saw this very
    /// call: its number (bits 32…63), its job count (bits 16…31) and its next unclaimed job (bits 0…15).
    private let state = Atomic<UInt64>(0)
    private let done = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let wakeup = NSCondition()
    private var job: ((Int) -> Void)?   // written before `state` announces the call
    private var stopping = false   // guarded by `wakeup`

    /// The largest number of jobs one call may have (the width of the job fields in `state`).
    static let maxJobs = 0xFFFF

    init(size: Int) {
        self.size = max(1, size)
        for index in 1..<self.size {
            // Workers keep the pool alive until `shutdown` lets them return.
            let thread = Thread { self.workerLoop() }
            thread.name = "gscope-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(i)` once for every `i` in `0..<jobs` (`jobs ≤ maxJobs`, any number against the
    /// team's size), on the calling thread and the workers, and returns when all have finished.
    func run(jobs: Int, _ body: (Int) -> Void) {
        precondition(jobs <= Self.maxJobs)
        guard jobs > 1, size > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<jobs { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            wakeup.lock()
            job = body
            done.store(0, ordering: .relaxed)
            let call = (state.load(ordering: .relaxed) >> 32) &+ 1
            state.store(call << 32 | UInt64(jobs) << 16, ordering: .releasing)
            wakeup.broadcast()
            wakeup.unlock()
            while let i = claim(call: call) {
                body(i)
                done.add(1, ordering: .releasing)
            }
            var spins = 0
            while done.load(ordering: .acquiring) < jobs {
                spins += 1
                if spins & 255 == 0 { sched_yield() }   // the worker that claimed a job may be waiting for a core
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Takes the next unclaimed job of call `call`, or nil when that call has none left (or is over).
    private func claim(call: UInt64) -> Int? {
        var s = state.load(ordering: .acquiring)
        while s >> 32 == call, s & 0xFFFF < (s >> 16) & 0xFFFF {
            let (exchanged, original) = state.compareExchange(expected: s, desired: s + 1, ordering: .acquiringAndReleasing)
            if exchanged { return Int(s & 0xFFFF) }
            s = original
        }
        return nil
    }

    /// Lets the workers finish: the pool is released once they have returned. Waits for a job in
    /// flight to end and keeps the pool marked busy, so later calls on it run serially.
    func shutdown() {
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {}
        wakeup.lock()
        stopping = true
        let call = (state.load(ordering: .relaxed) >> 32) &+ 1
        state.store(call << 32, ordering: .releasing)   // a call with no jobs wakes everyone
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func workerLoop() {
        var seen: UInt64 = 0
        while true {
            // Spin for a new call, then sleep until it comes.
            let spinStart = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while state.load(ordering: .acquiring) >> 32 == seen {
                spins += 1
                if spins & 255 == 0 { sched_yield() }   // let a thread that has work use this core
                if spins & 1023 == 0, DispatchTime.now().uptimeNanoseconds - spinStart > spinNanoseconds {
                    wakeup.lock()
                    while state.load(ordering: .acquiring) >> 32 == seen { wakeup.wait() }
                    wakeup.unlock()
                }
            }
            seen = state.load(ordering: .acquiring) >> 32
            wakeup.lock(); let stop = stopping; wakeup.unlock()
            if stop { return }
            while let i = claim(call: seen) {
                job!(i)   // the caller keeps `job` until every claimed job is done
                done.add(1, ordering: .releasing)
            }
        }
    }
}
