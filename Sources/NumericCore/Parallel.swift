import Dispatch
import Synchronization

/// Splitting element-wise work over the machine's cores.
///
/// Work is cut into contiguous chunks by index, and each index is computed the same way whatever
/// the chunking, so results do not depend on the thread count. Reductions across chunks are never
/// done here; callers that need one combine per-chunk partials in a fixed order.
public enum Parallel {
    private static let workerCount = Atomic<Int>(1)

    /// Worker threads for element-wise kernels (process-wide, like OpenBLAS's count).
    public static var workers: Int { workerCount.load(ordering: .relaxed) }

    /// Sets the element-wise workers and OpenBLAS's threads together: one knob, `--threads`.
    public static func configure(threads: Int) {
        workerCount.store(max(1, threads), ordering: .relaxed)
        BLAS.setThreads(threads)
    }

    /// Runs `body` over `0..<n` split into at most `workers` contiguous ranges, each at least
    /// `grain` long; runs inline when one range suffices.
    public static func forRanges(_ n: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        forChunks(n, grain: grain, maxChunks: workers) { _, range in body(range) }
    }

    /// Like `forRanges`, also passing the chunk's index (< `maxChunks`) for per-worker scratch.
    public static func forChunks(_ n: Int, grain: Int = 1, maxChunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let chunks = Swift.min(workers, maxChunks, Swift.max(1, n / Swift.max(grain, 1)))
        if chunks <= 1 { if n > 0 { body(0, 0..<n) }; return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                box.value(c, (n * c / chunks)..<(n * (c + 1) / chunks))
            }
        }
    }

    /// Runs `body` in parallel chunks with OpenBLAS held to one thread, for work made of many
    /// small matrix products (attention heads): the workers then share the cores instead of each
    /// product splitting itself over them.
    public static func forChunksWithSerialBLAS(_ n: Int, maxChunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let blasThreads = BLAS.threads
        if workers > 1, blasThreads > 1 { BLAS.setThreads(1) }
        forChunks(n, maxChunks: maxChunks, body)
        if BLAS.threads != blasThreads { BLAS.setThreads(blasThreads) }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`, whose chunks touch disjoint memory.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
