import NumericCore

/// The reference Markov model's forward pass on the next tokens of some sequences, attending over
/// the keys and values those sequences left in a `KVCache` (of width C) instead of recomputing
/// their prefixes.
///
/// A call gives rows r₁…r_M new tokens; row r's tokens take positions `lengths[r]…` and each
/// attends to every stored position of its row and to the new ones up to itself. All N new
/// tokens go through each layer together (one (N,·) matmul per linear layer); their keys and
/// values (of the block's input x itself, post-LN) join the cache:
///
///     x = E[token] + P[position]
///     s = x + attn(q, K, V),   q|k|v = x·[W_q; W_k; W_v]ᵀ,   K, V the row's cached keys and
///                                                             values with k, v appended
///     n = ln₁(s),   x ← ln₂(n + W₂·relu(W₁·n + b₁) + b₂)      for each block
///     logits = x·Wᵀ + b                                       at the asked positions
///
/// with the kernels of `MarkovReference.forward` (so the numbers match its logits up to rounding),
/// and only this object's buffers: the model's activations, gradients and parameters are left as
/// they are.
package final class MarkovReferenceIncrementalForward: IncrementalDecoding {
    package let model: MarkovReference
    package let cache: KVCache
    private let shape: DecodingShape
    private var buffers: DecodingActivations?

    /// A cache for `rows` sequences of at most `maxLength` positions (at most, and by default,
    /// the model's block size).
    package init(model: MarkovReference, rows: Int, maxLength: Int? = nil) throws(ModelError) {
        let config = model.config, C = config.nEmbd
        self.model = model
        cache = try KVCache(layers: config.nLayer, rows: rows, maxLength: maxLength, contextLength: config.blockSize, width: C)
        shape = DecodingShape(width: C, qkvWidth: 3 * C, mlpWidth: C, mlpActivatedWidth: C, vocabSize: config.vocabSize)
    }

    package var vocabSize: Int { model.config.vocabSize }
    package var contextLength: Int { model.config.blockSize }

    package func extend(rows: [Int], with tokens: [[Int32]], logitsAt: [[Int]]?) throws(ModelError)
        -> UnsafeBufferPointer<Float>
    {
        try validate(rows: rows, tokens: tokens, logitsAt: logitsAt)
        let config = model.config
        let S = outputCount(rows: rows, logitsAt: logitsAt), N = tokens.reduce(0) { $0 + $1.count }
        let C = config.nEmbd, V = config.vocabSize, eps = Float(config.layerNormEps)
        let a = DecodingActivations.fitting(&buffers, shape: shape, tokens: N, outputs: S, maxLength: cache.maxLength)
        a.load(rows: rows, tokens: tokens, cache: cache)
        let w = model.parameters.base, slots = model.slots

        Encoder.forward(
            out: a.residual, tokens: a.tokens, positions: a.positions, wte: w + slots.embed, wpe: w + slots.positions,
            N: N, C: C)
        for (l, s) in slots.blocks.enumerated() {
            // s = x + attn(x), over the cached keys and values.
            Linear.forward(out: a.qkv, inp: a.residual, weight: w + s.qkvW, bias: nil, N: N, C: C, OC: 3 * C)
            let keys = cache.keys(layer: l), values = cache.values(layer: l)
            a.store(keys: keys, values: values, kOffset: C, qkvWidth: 3 * C, cache: cache, N: N)
            Attention.forwardCached(
                out: a.residualAfterAttention, scratch: a.attentionScratch, scratchSlots: a.attentionScratchSlots,
                qkv: a.qkv, keys: keys, values: values, contextOffsets: a.contextOffsets,
                contextLengths: a.contextLengths, N: N, C: C, NH: 1)
            RowOps.add(a.residual, into: a.residualAfterAttention, count: N * C)
            LayerNorm.forward(
                out: a.normalized, mean: a.mean, rstd: a.rstd, inp: a.residualAfterAttention,
                weight: w + s.ln1W, bias: w + s.ln1B, eps: eps, N: N, C: C)
            // x ← ln₂(n + MLP(n)); the sum goes where s was.
            Linear.forward(out: a.mlp, inp: a.normalized, weight: w + s.fc1W, bias: w + s.fc1B, N: N, C: C, OC: C)
            ReLU.forward(out: a.mlpActivated, inp: a.mlp, count: N * C)
            Linear.forward(
                out: a.residualAfterAttention, inp: a.mlpActivated, weight: w + s.fc2W, bias: w + s.fc2B,
                residual: a.normalized, N: N, C: C, OC: C)
            LayerNorm.forward(
                out: a.residual, mean: a.mean, rstd: a.rstd, inp: a.residualAfterAttention,
                weight: w + s.ln2W, bias: w + s.ln2B, eps: eps, N: N, C: C)
        }
        guard a.gatherOutputs(rows: rows, tokens: tokens, logitsAt: logitsAt, width: C, cache: cache) > 0 else {
            return UnsafeBufferPointer(start: a.logits, count: 0)
        }
        Linear.forward(
            out: a.logits, inp: a.headInput, weight: w + slots.headW, bias: w + slots.headB, N: S, C: C, OC: V)
        return UnsafeBufferPointer(start: a.logits, count: S * V)
    }
}

/// Greedy decoding of the reference Markov model (`GreedyDecoder`, and `generateGreedy` from
/// `IncrementallyDecodable`) through `MarkovReferenceIncrementalForward`.
extension MarkovReference {
    package func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try MarkovReferenceIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
