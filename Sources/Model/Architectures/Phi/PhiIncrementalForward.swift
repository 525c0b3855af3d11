import NumericCore

/// The Phi's forward pass on the next tokens of some sequences, attending over the keys and
/// values those sequences left in a `KVCache` (of width `kvDim`) instead of recomputing their
/// prefixes.
///
/// A call gives rows r₁…r_M new tokens; row r's tokens take positions `lengths[r]…` and each
/// attends to every stored position of its row and to the new ones up to itself. All N new
/// tokens go through each layer together (one (N,·) matmul per linear layer); their keys, the
/// rotary part turned at their own positions, and values join the cache:
///
///     x = E[token]
///     n = ln(x),   q|k|v = qkv(n),   q ← prope(q, position),   k ← prope(k, position)
///     x ← x + dense(attn(q, K, V)) + fc2(gelu(fc1(n))),   K, V the row's cached keys and values
///                                                          with k, v appended      for each block
///     logits = ln_f(x)·Wᵀ + b                              at the asked positions
///
/// with the kernels of `Phi.forward` (so the numbers match its logits up to rounding), and only
/// this object's buffers: the model's activations, gradients and parameters are left as they are.
package final class PhiIncrementalForward: IncrementalDecoding {
    package let model: Phi
    package let cache: KVCache
    private let shape: DecodingShape
    /// `cos θ(t, i)`, `sin θ(t, i)` for the cache's positions t < maxLength, (maxLength, rotaryDim/2).
    private let ropeCos, ropeSin: FloatBuffer
    private var buffers: DecodingActivations?

    /// A cache for `rows` sequences of at most `maxLength` positions (at most, and by default,
    /// the model's context length).
    package init(model: Phi, rows: Int, maxLength: Int? = nil) throws(ModelError) {
        let config = model.config
        self.model = model
        cache = try KVCache(
            layers: config.nLayer, rows: rows, maxLength: maxLength, contextLength: config.blockSize,
            width: config.kvDim)
        shape = DecodingShape(
            width: config.nEmbd, qkvWidth: config.qkvDim, mlpWidth: config.ffnHidden,
            mlpActivatedWidth: config.ffnHidden, vocabSize: config.vocabSize)
        let half = config.rotaryDim / 2
        ropeCos = FloatBuffer(count: cache.maxLength * half)
        ropeSin = FloatBuffer(count: cache.maxLength * half)
        RotaryEmbedding.tables(
            cos: ropeCos.base, sin: ropeSin.base, T: cache.maxLength, headSize: config.rotaryDim, base: config.ropeBase)
    }

    package var vocabSize: Int { model.config.vocabSize }
    package var contextLength: Int { model.config.blockSize }

    package func extend(rows: [Int], with tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError)
        -> UnsafeBufferPointer<Float>
    {
        try validate(rows: rows, tokens: tokens, logitsAt: logitsAt)
        let config = model.config
        let S = outputCount(rows: rows, logitsAt: logitsAt), N = tokens.reduce(0) { $0 + $1.count }
        let C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, eps = Float(config.layerNormEps)
        let a = DecodingActivations.fitting(&buffers, shape: shape, tokens: N, outputs: S, maxLength: cache.maxLength)
        a.load(rows: rows, tokens: tokens, cache: cache)
        let w = model.parameters.base, slots = model.slots

        Encoder.tokenEmbeddingForward(out: a.residual, tokens: a.tokens, wte: w + slots.embed, N: N, C: C)
        for (l, s) in slots.blocks.enumerated() {
            LayerNorm.forward(
                out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residual, weight: w + s.lnW, bias: w + s.lnB,
                eps: eps, N: N, C: C)
            // Attention: x′ = x + dense(attn(prope(qkv(n)))), over the cached keys and values.
            Linear.forward(out: a.qkv, inp: a.normalized, weight: w + s.qkvW, bias: w + s.qkvB, N: N, C: C, OC: QKV)
            PartialRotaryEmbedding.forward(
                a.qkv, cos: ropeCos.base, sin: ropeSin.base, heads: NH + NKV, headSize: config.headSize,
                rotaryDim: config.rotaryDim, ld: QKV, positions: a.positions, N: N)
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            a.store(keys: keys, values: values, kOffset: C, qkvWidth: QKV, cache: cache, N: N)
            Attention.forwardCached(
                out: a.attentionOutput, scratch: a.attentionScratch, scratchSlots: a.attentionScratchSlots,
                qkv: a.qkv, keys: keys, values: values, contextOffsets: a.contextOffsets,
                contextLengths: a.contextLengths, N: N, C: C, NH: NH, kvHeads: NKV)
            Linear.forward(
                out: a.residualAfterAttention, inp: a.attentionOutput, weight: w + s.denseW, bias: w + s.denseB,
                residual: a.residual, N: N, C: C, OC: C)
            // MLP on the same n: x ← x′ + fc2(gelu(fc1(n))).
            Linear.forward(out: a.mlp, inp: a.normalized, weight: w + s.fc1W, bias: w + s.fc1B, N: N, C: C, OC: F)
            GELU.forward(out: a.mlpActivated, inp: a.mlp, count: N * F)
            Linear.forward(
                out: a.residual, inp: a.mlpActivated, weight: w + s.fc2W, bias: w + s.fc2B,
                residual: a.residualAfterAttention, N: N, C: F, OC: C)
        }
        guard a.gatherOutputs(rows: rows, tokens: tokens, logitsAt: logitsAt, width: C, cache: cache) > 0 else {
            return UnsafeBufferPointer(start: a.logits, count: 0)
        }
        LayerNorm.forward(
            out: a.headNormalized, mean: a.mean, rstd: a.rstd, inp: a.headInput, weight: w + slots.finalLnW,
            bias: w + slots.finalLnB, eps: eps, N: S, C: C)
        Linear.forward(
            out: a.logits, inp: a.headNormalized, weight: w + slots.headW, bias: w + slots.headB, N: S, C: C, OC: V)
        return UnsafeBufferPointer(start: a.logits, count: S * V)
    }
}

/// Greedy decoding of the Phi (`GreedyDecoder`, and `generateGreedy` from `IncrementallyDecodable`)
/// through `PhiIncrementalForward`.
extension Phi {
    package func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try PhiIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
