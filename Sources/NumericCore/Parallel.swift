import Synchronization

/// Splitting work over the machine's cores, so that the thread count and the machine's load never
/// change a bit of the results.
///
/// `forRanges` and `forChunks` cut element-wise work into contiguous chunks by index; each index
/// is computed the same way whatever the chunking. Work whose result depends on how it is cut
/// (a matrix product, a reduction) goes through `forPieces`: the caller cuts it into pieces whose
/// boundaries depend on the problem's size only, and combines per-piece results in piece order.
public enum Parallel {
    /// The most threads gscope runs with (`--threads`, the config's `threads`).
    public static let maxThreads = 256

    /// OpenBLAS is held to one thread from the first parallel call on (and by `configure`): its own
    /// spinning threads would compete with the team for the cores.
    private static let team: Mutex<WorkerPool> = {
        BLAS.setThreads(1)
        return Mutex(WorkerPool(size: 1))
    }()

    /// Threads that share the engine's work (process-wide).
    public static var workers: Int { team.withLock { $0.size } }

    /// Sets the number of workers (1…`maxThreads`): one knob, `--threads`. OpenBLAS is held to one thread and
    /// large products are split over these workers (`BLAS.gemm`), so one pool of threads does all
    /// the work; two pools on two cores would take turns stealing them from each other.
    public static func configure(threads: Int) {
        precondition((1...maxThreads).contains(threads), "threads must be in 1...\(maxThreads), not \(threads)")
        BLAS.setThreads(1)
        let retired: WorkerPool? = team.withLock { pool in
            guard pool.size != max(1, threads) else { return nil }
            defer { pool = WorkerPool(size: threads) }
            return pool
        }
        // Outside the lock: a job still running on the old pool may take it for nested loops.
        retired?.shutdown()
    }

    /// Runs `body` over `0..<n` split into at most `workers` contiguous ranges, each at least
    /// `grain` long; runs inline when one range suffices.
    public static func forRanges(_ n: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        forChunks(n, grain: grain, maxChunks: .max) { _, range in body(range) }
    }

    /// Like `forRanges`, also passing the chunk's index (< `maxChunks`) for per-worker scratch.
    public static func forChunks(_ n: Int, grain: Int = 1, maxChunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let pool = team.withLock { $0 }
        let chunks = Swift.min(pool.size, maxChunks, Swift.max(1, n / Swift.max(grain, 1)))
        if chunks <= 1 { if n > 0 { body(0, 0..<n) }; return }
        pool.run(jobs: chunks) { c in body(c, (n * c / chunks)..<(n * (c + 1) / chunks)) }
    }

    /// Runs `body(p)` once for every piece `p` in `0..<pieces`, shared out among the workers as
    /// they come free. `pieces` must follow from the problem's size alone; then which thread runs
    /// a piece changes nothing.
    public static func forPieces(_ pieces: Int, _ body: (Int) -> Void) {
        if pieces <= 1 { if pieces == 1 { body(0) }; return }
        team.withLock { $0 }.run(jobs: pieces, body)
    }

}
