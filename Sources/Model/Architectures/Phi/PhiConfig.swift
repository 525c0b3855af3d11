/// The shape of a Phi (Phi-1, Phi-1.5, Phi-2: transformers' `PhiForCausalLM`): `nLayer` blocks of
/// width `nEmbd`, each one LayerNorm feeding attention and a GELU MLP side by side, `nHead` query
/// heads sharing `nKVHead` key/value heads, an MLP of `ffnHidden` units, a vocabulary of
/// `vocabSize` tokens and room for `blockSize` positions (the context). Rotary embeddings turn only
/// the first `rotaryDim` dimensions of each query and key head (`partial_rotary_factor`).
package struct PhiConfig: Codable, Equatable, Sendable {
    package var nLayer: Int
    package var nHead: Int
    package var nKVHead: Int
    package var nEmbd: Int
    package var ffnHidden: Int
    package var vocabSize: Int
    package var blockSize: Int
    /// RoPE base θ: position t turns pair i of a head's rotary part by `t·ropeBase^(−2i/rotaryDim)`.
    package var ropeBase: Double
    /// The share of each head that rotates: `rotaryDim = ⌊partialRotaryFactor·headSize⌋`.
    package var partialRotaryFactor: Double
    /// ε of every LayerNorm (`layer_norm_eps`).
    package var layerNormEps: Double

    package init(
        nLayer: Int, nHead: Int, nKVHead: Int? = nil, nEmbd: Int, ffnHidden: Int, vocabSize: Int, blockSize: Int,
        ropeBase: Double = 10_000, partialRotaryFactor: Double = 0.5, layerNormEps: Double = 1e-5
    ) {
        self.nLayer = nLayer
        self.nHead = nHead
        self.nKVHead = nKVHead ?? nHead
        self.nEmbd = nEmbd
        self.ffnHidden = ffnHidden
        self.vocabSize = vocabSize
        self.blockSize = blockSize
        self.ropeBase = ropeBase
        self.partialRotaryFactor = partialRotaryFactor
        self.layerNormEps = layerNormEps
    }

    /// Width of one attention head.
    package var headSize: Int { nEmbd / nHead }
    /// The dimensions of a head that rotate, `int(headSize·partialRotaryFactor)` as transformers
    /// computes it (the product in Float64, truncated).
    package var rotaryDim: Int {
        let product = Double(headSize) * partialRotaryFactor
        return product.isFinite && product >= 0 && product <= Double(headSize) ? Int(product) : -1
    }
    /// Width of the keys (and of the values): `nKVHead·headSize`.
    package var kvDim: Int { nKVHead * headSize }
    /// Width of a fused `q|k|v` row: `nEmbd + 2·kvDim`.
    package var qkvDim: Int { nEmbd + 2 * kvDim }

    /// A small model for tests and quick runs.
    package static let tiny = PhiConfig(
        nLayer: 2, nHead: 4, nKVHead: 4, nEmbd: 32, ffnHidden: 64, vocabSize: 40, blockSize: 16,
        ropeBase: 10_000, partialRotaryFactor: 0.5, layerNormEps: 1e-5)
    /// Phi-1.5 (`microsoft/phi-1_5`): 24 blocks of 2048, 32 heads of 64 of which 32 dimensions
    /// rotate, MLP of 8192, vocabulary 51200, context 2048, RoPE base 1e4, LayerNorm ε 1e−5;
    /// 1 418 270 720 parameters.
    package static let phi1_5 = PhiConfig(
        nLayer: 24, nHead: 32, nKVHead: 32, nEmbd: 2048, ffnHidden: 8192, vocabSize: 51200, blockSize: 2048,
        ropeBase: 10_000, partialRotaryFactor: 0.5, layerNormEps: 1e-5)

    /// Checks the invariants the engine relies on.
    package func validate() throws(ModelError) {
        guard nLayer > 0, nHead > 0, nKVHead > 0, nEmbd > 0, ffnHidden > 0, vocabSize > 0, blockSize > 0 else {
            throw .invalidConfig("all sizes must be positive: \(self)")
        }
        guard nEmbd % nHead == 0 else {
            throw .invalidConfig("hidden size \(nEmbd) is not divisible by \(nHead) attention heads")
        }
        guard nHead % nKVHead == 0 else {
            throw .invalidConfig("\(nHead) attention heads are not a multiple of \(nKVHead) key/value heads")
        }
        guard partialRotaryFactor > 0, partialRotaryFactor <= 1, rotaryDim > 0, rotaryDim % 2 == 0 else {
            throw .invalidConfig(
                "partial_rotary_factor \(partialRotaryFactor) of head size \(headSize) must give an even, positive number of "
                    + "rotary dimensions (rotary embeddings pair dimensions i and i + rotary/2)")
        }
        guard ropeBase > 0, ropeBase.isFinite, layerNormEps >= 0, layerNormEps.isFinite else {
            throw .invalidConfig("RoPE base \(ropeBase) must be positive and LayerNorm ε \(layerNormEps) non-negative")
        }
        guard checkedParameterCount.value != nil else {
            throw .invalidConfig("the sizes make more than \(Int.max) parameters: \(self)")
        }
    }

    /// The number of parameters (the tensors of `parameterLayout`), overflow-checked: nil when it
    /// does not fit in an `Int`. With QKV = C + 2·KV:
    ///
    ///     V·C + L·(2C + QKV·C + QKV + C² + C + 2F·C + F + C) + 2C + V·C + V
    ///
    /// (embedding; per block the LayerNorm, q|k|v, dense and fc1, fc2 with their biases; the final
    /// LayerNorm; the head and its bias). Needs `nHead > 0` (nil otherwise).
    package var checkedParameterCount: CheckedCount {
        guard nHead > 0 else { return nil }
        let v = CheckedCount(vocabSize), c = CheckedCount(nEmbd), l = CheckedCount(nLayer), f = CheckedCount(ffnHidden)
        let qkv = c + 2 * CheckedCount(nKVHead) * CheckedCount(headSize)
        let block = 2 * c + qkv * c + qkv + c * c + c + 2 * f * c + f + c
        return v * c + l * block + 2 * c + v * c + v
    }

    /// The sizes of the `config.json` at `file`, under its keys, for checking against the weights
    /// before loading them.
    package func claimedSizes(file: String) -> ClaimedSizes {
        ClaimedSizes(
            file: file,
            dimensions: [("vocab_size", vocabSize), ("hidden_size", nEmbd), ("intermediate_size", ffnHidden)],
            layers: ("num_hidden_layers", nLayer), tensorsPerBlock: 14, tensorsOutsideBlocks: 5,
            parameterCount: checkedParameterCount)
    }

    // Hugging Face spelling in a Phi `config.json`.
    enum CodingKeys: String, CodingKey {
        case nLayer = "num_hidden_layers", nHead = "num_attention_heads", nKVHead = "num_key_value_heads"
        case nEmbd = "hidden_size", ffnHidden = "intermediate_size", vocabSize = "vocab_size"
        case blockSize = "max_position_embeddings", ropeBase = "rope_theta"
        case partialRotaryFactor = "partial_rotary_factor", layerNormEps = "layer_norm_eps"
        case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
    }

    /// The rotary settings of transformers 5's `rope_parameters` (or an older `rope_scaling`).
    struct RopeParameters: Codable {
        var ropeType: String?
        var type: String?
        var ropeTheta: Double?
        var partialRotaryFactor: Double?
        enum CodingKeys: String, CodingKey {
            case ropeType = "rope_type", type, ropeTheta = "rope_theta", partialRotaryFactor = "partial_rotary_factor"
        }
    }

    /// Reads transformers' spellings, old and new: `num_key_value_heads` absent or null means one
    /// per query head; `rope_theta` and `partial_rotary_factor` come from `rope_parameters` (or a
    /// `rope_scaling` object, which transformers puts in its place), else from the top level, else
    /// transformers' defaults 1e4 and 0.5; `layer_norm_eps` defaults to 1e−5. Dropout rates are not
    /// read: gscope computes the model in evaluation mode and trains without dropout.
    package init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rope =
            try c.decodeIfPresent(RopeParameters.self, forKey: .ropeScaling)
            ?? c.decodeIfPresent(RopeParameters.self, forKey: .ropeParameters)
        self.init(
            nLayer: try c.decode(Int.self, forKey: .nLayer), nHead: try c.decode(Int.self, forKey: .nHead),
            nKVHead: try c.decodeIfPresent(Int.self, forKey: .nKVHead), nEmbd: try c.decode(Int.self, forKey: .nEmbd),
            ffnHidden: try c.decode(Int.self, forKey: .ffnHidden), vocabSize: try c.decode(Int.self, forKey: .vocabSize),
            blockSize: try c.decode(Int.self, forKey: .blockSize),
            ropeBase: try rope?.ropeTheta ?? c.decodeIfPresent(Double.self, forKey: .ropeBase) ?? 10_000,
            partialRotaryFactor: try rope?.partialRotaryFactor
                ?? c.decodeIfPresent(Double.self, forKey: .partialRotaryFactor) ?? 0.5,
            layerNormEps: try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? 1e-5)
    }

    /// Writes the sizes under transformers' keys, the rotary settings in `rope_parameters`.
    package func encode(to encoder: any Swift.Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nLayer, forKey: .nLayer)
        try c.encode(nHead, forKey: .nHead)
        try c.encode(nKVHead, forKey: .nKVHead)
        try c.encode(nEmbd, forKey: .nEmbd)
        try c.encode(ffnHidden, forKey: .ffnHidden)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(blockSize, forKey: .blockSize)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(
            RopeParameters(ropeType: "default", type: nil, ropeTheta: ropeBase, partialRotaryFactor: partialRotaryFactor),
            forKey: .ropeParameters)
    }
}
