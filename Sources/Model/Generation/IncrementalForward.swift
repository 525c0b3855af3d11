import NumericCore

/// The GPT's forward pass on the next tokens of some sequences, attending over the keys and
/// values those sequences left in a `KVCache` instead of recomputing their prefixes.
///
/// A call gives rows r₁…r_M new tokens; row r's tokens take positions `lengths[r]…` and each
/// attends to every stored position of its row and to the new ones up to itself. All N new
/// tokens go through each layer together (one (N,·) matmul per linear layer), then their keys
/// and values join the cache:
///
///     x = wte[token] + wpe[position]
///     x′ = x + c_proj(attn(ln_1(x))),   x ← x′ + mlp(ln_2(x′))        for each block
///     logits = ln_f(x) · wteᵀ                                          at each row's last new token
///
/// with the kernels of `GPT.forward` (so the numbers match its logits up to rounding), and only
/// this object's buffers: the model's activations, gradients and parameters are left as they are.
public final class IncrementalForward {
    public let model: GPT
    public let cache: KVCache
    private var buffers: DecodingActivations?

    /// A cache for `rows` sequences of at most `maxLength` positions (at most, and by default,
    /// the model's block size).
    public init(model: GPT, rows: Int, maxLength: Int? = nil) throws(ModelError) {
        let length = maxLength ?? model.config.blockSize
        guard rows > 0, length > 0, length <= model.config.blockSize else {
            throw .shapeMismatch("a key/value cache needs at least one row and 1...\(model.config.blockSize) positions (the block size), not \(rows) rows of \(length)")
        }
        self.model = model
        cache = KVCache(layers: model.config.nLayer, rows: rows, maxLength: length, width: model.config.nEmbd)
    }

    /// Runs the model on `tokens[i]`, the next tokens of cache row `rows[i]` (rows distinct, each
    /// with at least one token), and returns the logits after each row's last new token: an
    /// (M, V) array with M = `rows.count`, row i for `rows[i]`, valid until the next call.
    public func extend(rows: [Int], with tokens: [[Int32]]) throws(ModelError) -> UnsafeBufferPointer<Float> {
        try validate(rows: rows, tokens: tokens)
        let config = model.config
        let M = rows.count, N = tokens.reduce(0) { $0 + $1.count }
        let C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let a = activations(tokens: N, rows: M)
        var n = 0
        for (r, row) in rows.enumerated() {
            for (i, token) in tokens[r].enumerated() {
                let position = cache.lengths[row] + i
                a.tokens[n] = token
                a.positions[n] = position
                a.contextOffsets[n] = cache.offset(layer: 0, row: row, position: 0)
                a.contextLengths[n] = position + 1
                n += 1
            }
        }
        let w = model.parameters.base, slots = model.slots

        Encoder.forward(out: a.residual, tokens: a.tokens, positions: a.positions, wte: w + slots.wte, wpe: w + slots.wpe, N: N, C: C)
        for (l, s) in slots.blocks.enumerated() {
            LayerNorm.forward(out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residual,
                              weight: w + s.ln1w, bias: w + s.ln1b, N: N, C: C)
            Linear.forward(out: a.qkv, inp: a.normalized, weight: w + s.attnW, bias: w + s.attnB, N: N, C: C, OC: 3 * C)
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            for n in 0..<N {
                let at = a.contextOffsets[n] + a.positions[n] * C, q = a.qkv + n * 3 * C
                (keys + at).update(from: q + C, count: C)
                (values + at).update(from: q + 2 * C, count: C)
            }
            Attention.forwardCached(out: a.attentionOutput, scratch: a.attentionScratch, scratchSlots: a.attentionScratchSlots,
                                    qkv: a.qkv, keys: keys, values: values,
                                    contextOffsets: a.contextOffsets, contextLengths: a.contextLengths, N: N, C: C, NH: NH)
            Linear.forward(out: a.residualAfterAttention, inp: a.attentionOutput, weight: w + s.projW, bias: w + s.projB,
                           residual: a.residual, N: N, C: C, OC: C)
            LayerNorm.forward(out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residualAfterAttention,
                              weight: w + s.ln2w, bias: w + s.ln2b, N: N, C: C)
            Linear.forward(out: a.fc, inp: a.normalized, weight: w + s.fcW, bias: w + s.fcB, N: N, C: C, OC: 4 * C)
            GELU.forward(out: a.fcGelu, inp: a.fc, count: N * 4 * C)
            Linear.forward(out: a.residual, inp: a.fcGelu, weight: w + s.mlpProjW, bias: w + s.mlpProjB,
                           residual: a.residualAfterAttention, N: N, C: 4 * C, OC: C)
        }
        var last = -1
        for (r, row) in rows.enumerated() {
            last += tokens[r].count
            (a.lastResidual + r * C).update(from: a.residual + last * C, count: C)
            cache.advance(row: row, by: tokens[r].count)
        }
        LayerNorm.forward(out: a.lastNormalized, mean: a.mean, rstd: a.rstd, inp: a.lastResidual,
                          weight: w + slots.lnfw, bias: w + slots.lnfb, N: M, C: C)
        BLAS.gemm(transB: true, m: M, n: V, k: C, a.lastNormalized, lda: C, w + slots.wte, ldb: C, beta: 0, a.logits, ldc: V)
        return UnsafeBufferPointer(start: a.logits, count: M * V)
    }

    /// Buffers for N tokens in M rows: the current ones when large enough, else new ones.
    private func activations(tokens N: Int, rows M: Int) -> DecodingActivations {
        if let a = buffers, a.tokenCapacity >= N, a.rowCapacity >= M { return a }
        buffers = nil   // release the old buffers before allocating the new ones
        let a = DecodingActivations(config: model.config, tokenCapacity: N, rowCapacity: M,
                                    maxLength: cache.maxLength, workers: Parallel.workers)
        buffers = a
        return a
    }

    private func validate(rows: [Int], tokens: [[Int32]]) throws(ModelError) {
        guard !rows.isEmpty, rows.count == tokens.count else {
            throw .shapeMismatch("\(rows.count) rows with \(tokens.count) token lists; give one non-empty list per row, at least one row")
        }
        guard Set(rows).count == rows.count else { throw .shapeMismatch("rows \(rows) repeat a row") }
        let V = Int32(model.config.vocabSize)
        for (row, new) in zip(rows, tokens) {
            guard row >= 0, row < cache.rows else { throw .shapeMismatch("row \(row) is outside the cache's 0..<\(cache.rows)") }
            guard !new.isEmpty else { throw .shapeMismatch("row \(row) has no new token") }
            guard cache.lengths[row] + new.count <= cache.maxLength else {
                throw .shapeMismatch("row \(row): \(cache.lengths[row]) stored + \(new.count) new positions exceed the cache's \(cache.maxLength)")
            }
            if let bad = new.first(where: { $0 < 0 || $0 >= V }) {
                throw .shapeMismatch("token \(bad) of row \(row) is outside the vocabulary 0..<\(V)")
            }
        }
    }
}
