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
///     logits = ln_f(x) · wteᵀ                                          at the asked positions
///
/// with the kernels of `GPT.forward` (so the numbers match its logits up to rounding), and only
/// this object's buffers: the model's activations, gradients and parameters are left as they are.
package final class GPTIncrementalForward: IncrementalDecoding {
    package let model: GPT
    package let cache: KVCache
    private let shape: DecodingShape
    private var buffers: DecodingActivations?

    /// A cache for `rows` sequences of at most `maxLength` positions (at most, and by default,
    /// the model's block size).
    package init(model: GPT, rows: Int, maxLength: Int? = nil) throws(ModelError) {
        let config = model.config, C = config.nEmbd
        self.model = model
        cache = try KVCache(layers: config.nLayer, rows: rows, maxLength: maxLength, contextLength: config.blockSize, width: C)
        shape = DecodingShape(width: C, qkvWidth: 3 * C, mlpWidth: 4 * C, mlpActivatedWidth: 4 * C, vocabSize: config.vocabSize)
    }

    package var vocabSize: Int { model.config.vocabSize }
    package var contextLength: Int { model.config.blockSize }

    package func extend(rows: [Int], with tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError)
        -> UnsafeBufferPointer<Float>
    {
        try validate(rows: rows, tokens: tokens, logitsAt: logitsAt)
        let config = model.config
        let S = outputCount(rows: rows, logitsAt: logitsAt), N = tokens.reduce(0) { $0 + $1.count }
        let C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let a = DecodingActivations.fitting(&buffers, shape: shape, tokens: N, outputs: S, maxLength: cache.maxLength)
        a.load(rows: rows, tokens: tokens, cache: cache)
        let w = model.parameters.base, slots = model.slots

        Encoder.forward(
            out: a.residual, tokens: a.tokens, positions: a.positions, wte: w + slots.wte, wpe: w + slots.wpe, N: N, C: C)
        for (l, s) in slots.blocks.enumerated() {
            LayerNorm.forward(
                out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residual,
                weight: w + s.ln1w, bias: w + s.ln1b, eps: config.layerNormEpsilon, N: N, C: C)
            Linear.forward(out: a.qkv, inp: a.normalized, weight: w + s.attnW, bias: w + s.attnB, N: N, C: C, OC: 3 * C)
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            a.store(keys: keys, values: values, kOffset: C, qkvWidth: 3 * C, cache: cache, N: N)
            Attention.forwardCached(
                out: a.attentionOutput, scratch: a.attentionScratch, scratchSlots: a.attentionScratchSlots,
                qkv: a.qkv, keys: keys, values: values,
                contextOffsets: a.contextOffsets, contextLengths: a.contextLengths, N: N, C: C, NH: NH)
            Linear.forward(
                out: a.residualAfterAttention, inp: a.attentionOutput, weight: w + s.projW, bias: w + s.projB,
                residual: a.residual, N: N, C: C, OC: C)
            LayerNorm.forward(
                out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residualAfterAttention,
                weight: w + s.ln2w, bias: w + s.ln2b, eps: config.layerNormEpsilon, N: N, C: C)
            Linear.forward(out: a.mlp, inp: a.normalized, weight: w + s.fcW, bias: w + s.fcB, N: N, C: C, OC: 4 * C)
            GELU.forward(out: a.mlpActivated, inp: a.mlp, count: N * 4 * C)
            Linear.forward(
                out: a.residual, inp: a.mlpActivated, weight: w + s.mlpProjW, bias: w + s.mlpProjB,
                residual: a.residualAfterAttention, N: N, C: 4 * C, OC: C)
        }
        guard a.gatherOutputs(rows: rows, tokens: tokens, logitsAt: logitsAt, width: C, cache: cache) > 0 else {
            return UnsafeBufferPointer(start: a.logits, count: 0)
        }
        LayerNorm.forward(
            out: a.headNormalized, mean: a.mean, rstd: a.rstd, inp: a.headInput,
            weight: w + slots.lnfw, bias: w + slots.lnfb, eps: config.layerNormEpsilon, N: S, C: C)
        BLAS.gemm(transB: true, m: S, n: V, k: C, a.headNormalized, lda: C, w + slots.wte, ldb: C, beta: 0, a.logits, ldc: V)
        return UnsafeBufferPointer(start: a.logits, count: S * V)
    }
}

extension GPT {
    package func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try GPTIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
