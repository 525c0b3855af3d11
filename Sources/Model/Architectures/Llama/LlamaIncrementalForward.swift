import NumericCore

/// The Llama's forward pass on the next tokens of some sequences, attending over the keys and
/// values those sequences left in a `KVCache` (of width `kvDim`: grouped-query attention stores
/// NKV heads per position) instead of recomputing their prefixes.
///
/// A call gives rows r₁…r_M new tokens; row r's tokens take positions `lengths[r]…` and each
/// attends to every stored position of its row and to the new ones up to itself. All N new
/// tokens go through each layer together (one (N,·) matmul per linear layer); their keys, rotated
/// at their own positions, and values join the cache:
///
///     x = E[token]
///     q|k|v = qkv(rms₁(x)),   q ← rope(q, position),   k ← rope(k, position)
///     x′ = x + o_proj(attn(q, K, V)),   K, V the row's cached keys and values with k, v appended
///     x ← x′ + down_proj(silu(gate_proj(n₂)) ⊙ up_proj(n₂)),   n₂ = rms₂(x′)      for each block
///     logits = rms_f(x) · Hᵀ                                                    at the asked positions
///
/// with the kernels of `Llama.forward` (so the numbers match its logits up to rounding), and only
/// this object's buffers: the model's activations, gradients and parameters are left as they are.
package final class LlamaIncrementalForward: IncrementalDecoding {
    package let model: Llama
    package let cache: KVCache
    private let shape: DecodingShape
    /// `cos θ(t, i)`, `sin θ(t, i)` for the cache's positions t < maxLength, (maxLength, hs/2).
    private let ropeCos, ropeSin: FloatBuffer
    private var buffers: DecodingActivations?
    /// The attention output (N, NH·hs) when `head_dim` makes it wider or narrower than the
    /// residual stream (the shared buffers' `attentionOutput` is (N,C)); nil otherwise.
    private var attentionOutput: FloatBuffer?

    /// A cache for `rows` sequences of at most `maxLength` positions (at most, and by default,
    /// the model's context length, which a sliding window caps).
    package init(model: Llama, rows: Int, maxLength: Int? = nil) throws(ModelError) {
        let config = model.config
        self.model = model
        if let maxLength { try config.refuseBeyondSlidingWindow(maxLength) }
        cache = try KVCache(
            layers: config.nLayer, rows: rows, maxLength: maxLength, contextLength: config.contextLength,
            width: config.kvDim)
        shape = DecodingShape(
            width: config.nEmbd, qkvWidth: config.qkvDim, mlpWidth: 2 * config.ffnHidden,
            mlpActivatedWidth: config.ffnHidden, vocabSize: config.vocabSize)
        let half = config.headSize / 2
        ropeCos = FloatBuffer(count: cache.maxLength * half)
        ropeSin = FloatBuffer(count: cache.maxLength * half)
        RotaryEmbedding.tables(cos: ropeCos.base, sin: ropeSin.base, T: cache.maxLength, frequencies: config.ropeFrequencies)
    }

    package var vocabSize: Int { model.config.vocabSize }
    package var contextLength: Int { model.config.contextLength }

    package func extend(rows: [Int], with tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError)
        -> UnsafeBufferPointer<Float>
    {
        let config = model.config
        for (row, new) in zip(rows, tokens) where row >= 0 && row < cache.rows {
            try config.refuseBeyondSlidingWindow(cache.lengths[row] + new.count)
        }
        try validate(rows: rows, tokens: tokens, logitsAt: logitsAt)
        let S = outputCount(rows: rows, logitsAt: logitsAt), N = tokens.reduce(0) { $0 + $1.count }
        let C = config.nEmbd, V = config.vocabSize, F = config.ffnHidden
        let NH = config.nHead, NKV = config.nKVHead, QKV = config.qkvDim, Q = config.qDim, eps = Float(config.rmsNormEps)
        let a = DecodingActivations.fitting(&buffers, shape: shape, tokens: N, outputs: S, maxLength: cache.maxLength)
        let attended: UnsafeMutablePointer<Float>
        if Q == C {
            attended = a.attentionOutput
        } else {
            if (attentionOutput?.count ?? 0) < a.tokenCapacity * Q {
                attentionOutput = nil
                attentionOutput = FloatBuffer(count: a.tokenCapacity * Q)
            }
            attended = attentionOutput!.base
        }
        a.load(rows: rows, tokens: tokens, cache: cache)
        let w = model.parameters.base, slots = model.slots

        Encoder.tokenEmbeddingForward(out: a.residual, tokens: a.tokens, wte: w + slots.embed, N: N, C: C)
        for (l, s) in slots.blocks.enumerated() {
            // Attention: x′ = x + o_proj(attn(rope(qkv(rms₁(x))))), over the cached keys and values.
            RMSNorm.forward(out: a.normalized, rstd: a.rstd, inp: a.residual, weight: w + s.attnNorm, eps: eps, N: N, C: C)
            Linear.forward(out: a.qkv, inp: a.normalized, weight: w + s.qkv, bias: s.qkvBias.map { w + $0 }, N: N, C: C, OC: QKV)
            RotaryEmbedding.forward(
                a.qkv, cos: ropeCos.base, sin: ropeSin.base, heads: NH + NKV, headSize: config.headSize,
                ld: QKV, positions: a.positions, N: N)
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            a.store(keys: keys, values: values, kOffset: Q, qkvWidth: QKV, cache: cache, N: N)
            Attention.forwardCached(
                out: attended, scratch: a.attentionScratch, scratchSlots: a.attentionScratchSlots,
                qkv: a.qkv, keys: keys, values: values, contextOffsets: a.contextOffsets,
                contextLengths: a.contextLengths, N: N, C: Q, NH: NH, kvHeads: NKV)
            Linear.forward(
                out: a.residualAfterAttention, inp: attended, weight: w + s.o, bias: s.oBias.map { w + $0 },
                residual: a.residual, N: N, C: Q, OC: C)
            // MLP: x ← x′ + down(silu(gate(rms₂(x′))) ⊙ up(rms₂(x′))).
            RMSNorm.forward(
                out: a.normalized, rstd: a.rstd, inp: a.residualAfterAttention, weight: w + s.mlpNorm, eps: eps,
                N: N, C: C)
            Linear.forward(
                out: a.mlp, inp: a.normalized, weight: w + s.gateUp, bias: s.gateUpBias.map { w + $0 }, N: N, C: C, OC: 2 * F)
            SwiGLU.forward(out: a.mlpActivated, inp: a.mlp, N: N, F: F)
            Linear.forward(
                out: a.residual, inp: a.mlpActivated, weight: w + s.down, bias: s.downBias.map { w + $0 },
                residual: a.residualAfterAttention, N: N, C: F, OC: C)
        }
        guard a.gatherOutputs(rows: rows, tokens: tokens, logitsAt: logitsAt, width: C, cache: cache) > 0 else {
            return UnsafeBufferPointer(start: a.logits, count: 0)
        }
        RMSNorm.forward(out: a.headNormalized, rstd: a.rstd, inp: a.headInput, weight: w + slots.norm, eps: eps, N: S, C: C)
        BLAS.gemm(transB: true, m: S, n: V, k: C, a.headNormalized, lda: C, w + slots.head, ldb: C, beta: 0, a.logits, ldc: V)
        return UnsafeBufferPointer(start: a.logits, count: S * V)
    }
}

/// Greedy decoding of the Llama (`GreedyDecoder`, and `generateGreedy` from `IncrementallyDecodable`)
/// through `LlamaIncrementalForward`.
extension Llama {
    package func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try LlamaIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
