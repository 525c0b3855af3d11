import NumericCore

/// Causal multi-head self-attention on fused `q|k|v` rows, with grouped-query attention (GQA).
///
/// A row of `qkv` holds `q` (C = NH·hs floats: NH query heads), then `k` and `v` (NKV·hs floats
/// each: NKV key/value heads), so its stride is `C + 2·NKV·hs` (3C when NKV = NH, plain
/// multi-head attention). Query head h reads key/value head `h / (NH/NKV)`.
///
/// For each batch row b and query head h, with Q the (T, hs) slice of head h and K, V those of
/// its key/value head: `S = Q·Kᵀ/√hs`, `P = softmax(S)` over `j ≤ t` (zero above the diagonal),
/// `O = P·V`, written into the head's columns of `out` (B,T,C). `att` keeps P (B,NH,T,T) for the
/// backward. `kvHeads` is NKV, nil meaning NH; it must divide NH.
package enum Attention {
    /// The geometry of one fused row: stride, where k and v start, and the query heads per
    /// key/value head.
    struct Rows {
        let hs: Int, stride: Int, kOffset: Int, vOffset: Int, group: Int, NKV: Int

        init(C: Int, NH: Int, kvHeads: Int?) {
            let NKV = kvHeads ?? NH
            precondition(NKV > 0 && NH % NKV == 0, "\(NKV) key/value heads do not divide \(NH) query heads")
            hs = C / NH
            stride = C + 2 * NKV * hs
            kOffset = C
            vOffset = C + NKV * hs
            group = NH / NKV
            self.NKV = NKV
        }

        /// Offset in a row of query head h's q, and of its key/value head's k and v.
        func q(_ h: Int) -> Int { h * hs }
        func k(_ h: Int) -> Int { kOffset + kv(h) }
        func v(_ h: Int) -> Int { vOffset + kv(h) }
        /// Offset of query head h's key/value head within the NKV·hs floats of a key (or value).
        func kv(_ h: Int) -> Int { h / group * hs }
    }

    package static func forward(
        out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
        qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int, kvHeads: Int? = nil
    ) {
        let r = Rows(C: C, NH: NH, kvHeads: kvHeads), hs = r.hs, ld = r.stride
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B: B, NH: NH, workers: Int.max) { b, h, _ in
            let row = qkv + b * T * ld
            let q = row + r.q(h), k = row + r.k(h), v = row + r.v(h)
            let p = att + (b * NH + h) * T * T
            BLAS.gemm(transB: true, m: T, n: T, k: hs, alpha: scale, q, lda: ld, k, ldb: ld, beta: 0, p, ldc: T, parallel: false)
            for t in 0..<T {
                let row = p + t * T
                softmaxInPlace(row, count: t + 1)
                (row + t + 1).update(repeating: 0, count: T - t - 1)
            }
            BLAS.gemm(m: T, n: hs, k: T, p, lda: T, v, ldb: ld, beta: 0, out + b * T * C + h * hs, ldc: C, parallel: false)
        }
    }

    /// One query position per row, over keys and values kept from earlier positions (incremental
    /// decoding with a key/value cache). Query n is the q part of row n of `qkv`, fused rows of
    /// stride C + 2·NKV·hs as in `forward`; its sequence's keys and values start at
    /// `contextOffsets[n]` in `keys` and `values`, one position every NKV·hs floats, and it sees
    /// the first `contextLengths[n]` of them (its own position included). For each query and
    /// query head h, with K, V the (Lₙ, hs) slices of key/value head `h / (NH/NKV)`:
    ///
    ///     s = K·q/√hs,   p = softmax(s),   o = pᵀ·V
    ///
    /// written into the head's columns of row n of `out` (N,C): row t of `forward`'s causal
    /// softmax for a sequence whose keys and values are the cached ones. `kvHeads` is NKV, nil
    /// meaning NH (plain multi-head: stride 3C, keys of width C). `scratch` holds `scratchSlots`
    /// rows of max(contextLengths) floats, one per worker.
    package static func forwardCached(
        out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchSlots: Int,
        qkv: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
        contextOffsets: UnsafePointer<Int>, contextLengths: UnsafePointer<Int>,
        N: Int, C: Int, NH: Int, kvHeads: Int? = nil
    ) {
        let r = Rows(C: C, NH: NH, kvHeads: kvHeads), hs = r.hs, kvWidth = r.NKV * hs
        let scale = 1 / Float(hs).squareRoot()
        let longest = (0..<N).reduce(0) { Swift.max($0, contextLengths[$1]) }
        forEachHead(B: N, NH: NH, workers: scratchSlots) { n, h, worker in
            let q = qkv + n * r.stride + r.q(h)
            let k = keys + contextOffsets[n] + r.kv(h), v = values + contextOffsets[n] + r.kv(h)
            let L = contextLengths[n]
            let p = scratch + worker * longest
            BLAS.gemv(m: L, n: hs, alpha: scale, k, lda: kvWidth, q, beta: 0, p)
            softmaxInPlace(p, count: L)
            BLAS.gemv(trans: true, m: L, n: hs, v, lda: kvWidth, p, beta: 0, out + n * C + h * hs)
        }
    }

    /// `row ← softmax(row)` over `count` scores: shift by the maximum, exponentiate, divide by
    /// the sum (the one softmax of `forward` and `forwardCached`).
    @inline(__always)
    private static func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let m = Reduce.max(row, count: count)
        let s = RowOps.expInPlace(row, count: count, shift: m)
        RowOps.scale(row, count: count, by: 1 / s)
    }

    /// Given `dO` (B,T,C), writes `dqkv` (B,T,C + 2·NKV·hs), per query head h:
    /// `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(P ⊙ dP))`, `dQ = dS·K/√hs`, and summed over the
    /// query heads h that share a key/value head: `dV = Σ_h Pₕᵀ·dOₕ`, `dK = Σ_h dSₕᵀ·Qₕ/√hs`.
    /// Each key/value head's group is handled by one worker, so the sums need no locks.
    /// `scratch` holds `scratchSlots` (T,T) matrices, one per worker.
    package static func backward(
        dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchSlots: Int,
        dout: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int, kvHeads: Int? = nil
    ) {
        let r = Rows(C: C, NH: NH, kvHeads: kvHeads), hs = r.hs, ld = r.stride
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B: B, NH: r.NKV, workers: scratchSlots) { b, kvh, worker in
            let row = qkv + b * T * ld, drow = dqkv + b * T * ld
            let ds = scratch + worker * T * T
            for h in (kvh * r.group)..<((kvh + 1) * r.group) {
                let q = row + r.q(h), k = row + r.k(h), v = row + r.v(h)
                let dq = drow + r.q(h), dk = drow + r.k(h), dv = drow + r.v(h)
                let dO = dout + b * T * C + h * hs
                let p = att + (b * NH + h) * T * T
                let beta: Float = h == kvh * r.group ? 0 : 1   // the group's first head overwrites
                BLAS.gemm(transA: true, m: T, n: hs, k: T, p, lda: T, dO, ldb: C, beta: beta, dv, ldc: ld, parallel: false)
                BLAS.gemm(transB: true, m: T, n: T, k: hs, dO, lda: C, v, ldb: ld, beta: 0, ds, ldc: T, parallel: false)
                softmaxJacobian(p, times: ds, T: T)
                BLAS.gemm(m: T, n: hs, k: T, alpha: scale, ds, lda: T, k, ldb: ld, beta: 0, dq, ldc: ld, parallel: false)
                BLAS.gemm(
                    transA: true, m: T, n: hs, k: T, alpha: scale, ds, lda: T, q, ldb: ld, beta: beta, dk, ldc: ld,
                    parallel: false)
            }
        }
    }

    /// Forward-mode derivative along `q̇kv` (B,T,C + 2·NKV·hs), per batch row and query head, with
    /// P = `att` saved by `forward` and K, V (K̇, V̇) those of the head's key/value head:
    ///
    ///     Ṡ = (Q̇·Kᵀ + Q·K̇ᵀ)/√hs,   Ṗ = P ⊙ (Ṡ − rowsum(P ⊙ Ṡ)) (causal: 0 above the diagonal),
    ///     Ȯ = Ṗ·V + P·V̇
    ///
    /// written into the head's columns of `out` (B,T,C). `scratch` holds `scratchSlots` (T,T)
    /// matrices, one per worker.
    package static func tangent(
        out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchSlots: Int,
        qkvTangent: UnsafePointer<Float>, att: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
        B: Int, T: Int, C: Int, NH: Int, kvHeads: Int? = nil
    ) {
        let r = Rows(C: C, NH: NH, kvHeads: kvHeads), hs = r.hs, ld = r.stride
        let scale = 1 / Float(hs).squareRoot()
        forEachHead(B: B, NH: NH, workers: scratchSlots) { b, h, worker in
            let row = qkv + b * T * ld, trow = qkvTangent + b * T * ld
            let q = row + r.q(h), k = row + r.k(h), v = row + r.v(h)
            let dq = trow + r.q(h), dk = trow + r.k(h), dv = trow + r.v(h)
            let p = att + (b * NH + h) * T * T
            let ds = scratch + worker * T * T
            BLAS.gemm(
                transB: true, m: T, n: T, k: hs, alpha: scale, dq, lda: ld, k, ldb: ld, beta: 0, ds, ldc: T, parallel: false)
            BLAS.gemm(
                transB: true, m: T, n: T, k: hs, alpha: scale, q, lda: ld, dk, ldb: ld, beta: 1, ds, ldc: T, parallel: false)
            softmaxJacobian(p, times: ds, T: T)
            let o = out + b * T * C + h * hs
            BLAS.gemm(m: T, n: hs, k: T, ds, lda: T, v, ldb: ld, beta: 0, o, ldc: C, parallel: false)
            BLAS.gemm(m: T, n: hs, k: T, p, lda: T, dv, ldb: ld, beta: 1, o, ldc: C, parallel: false)
        }
    }

    /// The causal softmax's Jacobian applied row by row, in place: for each row t of P (T,T) and
    /// of D, `D_t ← P_t ⊙ (D_t − ⟨P_t, D_t⟩)` over columns 0…t, and 0 above the diagonal. Backward
    /// uses it for dS from dP, forward mode for Ṗ from Ṡ.
    private static func softmaxJacobian(_ p: UnsafePointer<Float>, times d: UnsafeMutablePointer<Float>, T: Int) {
        for t in 0..<T {
            let pr = p + t * T, dr = d + t * T
            let s = Reduce.dotF32(pr, dr, count: t + 1)
            var j = 0
            while j + 8 <= t + 1 { store8(load8(pr, j) * (load8(dr, j) - s), dr, j); j += 8 }
            while j <= t { dr[j] = pr[j] * (dr[j] - s); j += 1 }
            (dr + t + 1).update(repeating: 0, count: T - t - 1)
        }
    }

    /// Visits every (batch row, head) pair (NH heads: query heads, or key/value heads in the
    /// backward), pairs spread over at most `workers` workers;
    /// `worker` indexes per-worker scratch. Each pair's arithmetic is the same whatever the split.
    private static func forEachHead(B: Int, NH: Int, workers: Int, _ body: (Int, Int, Int) -> Void) {
        Parallel.forChunks(B * NH, maxChunks: workers) { worker, pairs in
            for pair in pairs { body(pair / NH, pair % NH, worker) }
        }
    }
}
