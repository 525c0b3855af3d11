import CBLAS
import Foundation

/// Thin, row-major wrappers over OpenBLAS. Every matrix in gscope is row-major; `lda` etc. are
/// row strides in elements, so sub-matrices (one attention head inside a fused q|k|v row) need no
/// copy.
public enum BLAS {
    /// The CPU kernel family OpenBLAS dispatched to (e.g. "Haswell"; "Prescott" means the
    /// portable SSE3 kernels, several times slower on AVX2 machines).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build and kernels in one line, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY
    /// Haswell MAX_THREADS=64" (the run file's `blas` attribute).
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Which kernels this process computes with and why, e.g. "OpenBLAS 0.3.21 Haswell (pinned)":
    /// what run files, checkpoints, sweep files and benchmarks record (`KernelPolicy.record`).
    public static var kernels: String {
        #if arch(x86_64)
        let isX86_64 = true
        #else
        let isX86_64 = false
        #endif
        return KernelPolicy.record(
            configuration: configuration, loadedCore: coreName, environment: ProcessInfo.processInfo.environment,
            isX86_64: isX86_64)
    }

    /// The fastest OpenBLAS kernel family for this CPU, judged from its feature flags: "SkylakeX"
    /// with AVX-512 (F, BW, VL, DQ), "Haswell" with AVX2 and FMA, nil otherwise
    /// (`KernelPolicy.fastestCoreType`). What `GSCOPE_KERNELS=fastest` runs; by default gscope runs
    /// Haswell (`KernelPolicy.pinned`).
    public static func coreTypeForThisCPU(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
        -> String?
    {
        KernelPolicy.cpuFlags(cpuinfo: cpuinfo).flatMap(KernelPolicy.fastestCoreType(flags:))
    }

    /// Sets OpenBLAS's own thread count (gscope keeps it at 1 and parallelises around it).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// `C ← α·op(A)·op(B) + β·C` with `op(A)` of shape (m, k), `op(B)` of shape (k, n), C (m, n).
    ///
    /// OpenBLAS itself runs single-threaded (see `Parallel.configure`). A large product is cut into
    /// pieces of C — bands of rows, or of columns when C is wider than tall — each one OpenBLAS
    /// call, shared out among the workers (`Parallel.forPieces`). OpenBLAS's bits depend on the
    /// shape of a call (its blocking and kernels follow the band size), so the cut depends on
    /// (m, n, k) only (`gemmPieces`): the same bits at any thread count. `parallel: false` (from code
    /// already running on the workers) computes the product in one call.
    ///
    /// `rowGroup`: op(A)'s rows, and C's, come in independent groups of this many — a batch's
    /// sequences. Each group is then one call of its own (the pieces), so that a sequence's numbers
    /// do not depend on the batch it is in: with OpenBLAS's Haswell kernels the same row comes out
    /// in other last bits when it sits elsewhere in a call or the call has another height.
    ///
    /// `sharedPrefix` P (with `rowGroup`, 0 < P < rowGroup): the groups' first P rows of op(A) are
    /// the same, so that C's are too. They are computed once, from the first group, as a call of
    /// their own; each group's other rows are one call. `otherPrefixes` says what the other groups'
    /// prefix rows of C then hold: copies of the first group's (a forward pass: every sequence has
    /// the activations), or zeros (a backward pass: the gradient on the shared rows is gathered in
    /// the first group's, so that they backpropagate once).
    @inlinable
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int,
        rowGroup: Int? = nil, sharedPrefix: Int = 0, otherPrefixes: SharedPrefixRows = .copied, parallel: Bool = true
    ) {
        let product = {
            if sharedPrefix > 0, let group = rowGroup {
                gemmSharingPrefix(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta,
                    c, ldc: ldc, rowGroup: group, sharedPrefix: sharedPrefix, otherPrefixes: otherPrefixes,
                    parallel: parallel)
            } else {
                gemmUntimed(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta,
                    c, ldc: ldc, rowGroup: rowGroup, parallel: parallel)
            }
        }
        // A serial product runs inside someone's parallel job (attention's per-head products): it
        // belongs to that job's phase.
        if parallel { PhaseClock.measure("matrix products", product) } else { product() }
    }

    /// `gemm` without the phase clock.
    @inlinable
    static func gemmUntimed(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, rowGroup: Int?, parallel: Bool
    ) {
        if let group = rowGroup, group < m {
            precondition(group > 0 && m % group == 0, "gemm: \(m) rows are not groups of \(group)")
            let groups = m / group
            let body = { (g: Int) in
                let lo = g * group
                // Row i of op(A) starts at a + i·lda, or at a + i when A is stored transposed.
                sgemm(transA, transB, group, n, k, alpha, transA ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc)
            }
            if parallel { Parallel.forPieces(groups, body) } else { for g in 0..<groups { body(g) } }
            return
        }
        if m == 1 {
            rowTimesMatrix(
                transA: transA, transB: transB, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c,
                parallel: parallel)
            return
        }
        let (pieces, byColumns) = parallel && rowGroup == nil ? gemmPieces(m: m, n: n, k: k) : (1, false)
        guard pieces > 1 else {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let extent = byColumns ? n : m
        Parallel.forPieces(pieces) { piece in
            // Whole 16-wide panels, so every piece runs the kernel's full-width path.
            let lo = (extent * piece / pieces) & ~15
            let hi = piece == pieces - 1 ? extent : (extent * (piece + 1) / pieces) & ~15
            if byColumns {
                // Column j of op(B) starts at b + j·ldb when B is stored transposed, at b + j otherwise.
                let bPiece = transB ? b + lo * ldb : b + lo
                sgemm(transA, transB, m, hi - lo, k, alpha, a, lda, bPiece, ldb, beta, c + lo, ldc)
            } else {
                // Row i of op(A) starts at a + i·lda, or at a + i when A is stored transposed.
                let aPiece = transA ? a + lo : a + lo * lda
                sgemm(transA, transB, hi - lo, n, k, alpha, aPiece, lda, b, ldb, beta, c + lo * ldc, ldc)
            }
        }
    }

    /// What the groups after the first hold in their shared prefix rows of C (`gemm`'s `sharedPrefix`).
    public enum SharedPrefixRows: Sendable {
        /// The first group's rows.
        case copied
        /// Zeros.
        case zeroed
    }

    /// `gemm` of groups of `rowGroup` rows whose first `sharedPrefix` rows are the same: those of
    /// the first group as one call, every group's rest as one call each, then the other groups'
    /// prefix rows of C set as `otherPrefixes` says.
    @inlinable
    static func gemmSharingPrefix(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, rowGroup group: Int, sharedPrefix P: Int,
        otherPrefixes: SharedPrefixRows, parallel: Bool
    ) {
        precondition(P > 0 && P < group && m % group == 0, "gemm: a shared prefix of \(P) rows in groups of \(group)")
        let groups = m / group
        let body = { (piece: Int) in
            // Piece 0: the prefix; piece g + 1: group g's rest.
            let (lo, rows) = piece == 0 ? (0, P) : ((piece - 1) * group + P, group - P)
            sgemm(transA, transB, rows, n, k, alpha, transA ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc)
        }
        if parallel { Parallel.forPieces(groups + 1, body) } else { for piece in 0...groups { body(piece) } }
        for g in 1..<groups {
            for i in 0..<P {
                let row = c + (g * group + i) * ldc
                switch otherPrefixes {
                case .copied: row.update(from: c + i * ldc, count: n)
                case .zeroed: row.update(repeating: 0, count: n)
                }
            }
        }
    }

    /// How `gemm` cuts a product: into one piece below 2²¹ multiply-adds, else along C's longer
    /// side into `min(4, side / 64)` pieces. A function of the shape alone, never of the thread
    /// count: 4 pieces keep 1, 2 and 4 workers busy, and each piece repacks the other operand
    /// only a few times.
    @inlinable
    public static func gemmPieces(m: Int, n: Int, k: Int) -> (pieces: Int, byColumns: Bool) {
        let work = Double(m) * Double(n) * Double(k)
        guard work >= Double(1 << 21) else { return (1, false) }
        let byColumns = n > m
        return (max(1, min(4, (byColumns ? n : m) / 64)), byColumns)
    }

    /// `gemm` with one row, `c ← α·a·op(B) + β·c` for the row a (k values, `lda` apart when
    /// transA), as matrix-vector products (OpenBLAS's sgemm packs all of B for a single row, three
    /// times the memory traffic of sgemv; a decoding step at batch 1 is nothing but such
    /// products). C's n values are cut into `gemvPieces(n:k:)` bands, a function of the shape only.
    @inlinable
    static func rowTimesMatrix(
        transA: Bool, transB: Bool, n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, parallel: Bool
    ) {
        let pieces = parallel ? gemvPieces(n: n, k: k) : 1
        let incA = Int32(transA ? lda : 1)
        let band = { (piece: Int) in
            let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
            // c[j] = α·Σ_k a[k]·op(B)[k, j] + β·c[j]: B's rows lo..<hi when it is stored transposed
            // (op(B) = Bᵀ, so c = B·a), its columns lo..<hi otherwise (c = Bᵀ·a).
            if transB {
                cblas_sgemv(
                    CblasRowMajor, CblasNoTrans, Int32(hi - lo), Int32(k), alpha, b + lo * ldb, Int32(ldb), a, incA, beta,
                    c + lo, 1)
            } else {
                cblas_sgemv(
                    CblasRowMajor, CblasTrans, Int32(k), Int32(hi - lo), alpha, b + lo, Int32(ldb), a, incA, beta, c + lo, 1)
            }
        }
        if pieces > 1 { Parallel.forPieces(pieces, band) } else { band(0) }
    }

    /// How `rowTimesMatrix` cuts a row times a (k, n) matrix: one piece below 2¹⁷ multiply-adds
    /// (half a megabyte of matrix), else `min(4, n / 64)` bands of C's values. A function of the
    /// shape alone, as `gemmPieces`.
    @inlinable
    public static func gemvPieces(n: Int, k: Int) -> Int {
        n * k < 1 << 17 ? 1 : max(1, min(4, n / 64))
    }

    @inlinable
    static func sgemm(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
            beta, c, Int32(ldc))
    }

    /// `y ← α·op(A)·x + β·y` for a row-major A of shape (m, n).
    @inlinable
    public static func gemv(
        trans: Bool = false, m: Int, n: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ x: UnsafePointer<Float>,
        beta: Float = 0, _ y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
}
