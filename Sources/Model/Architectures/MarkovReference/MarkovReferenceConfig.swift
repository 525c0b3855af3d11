/// The shape of SimNPO's reference Markov transformer (REFERENCE §4; the `TransformerModel` of the
/// public code of "Simplicity Prevails: Rethinking Negative Preference Optimization for LLM
/// Unlearning", OPTML-Group/Unlearn-Simple): `nLayer` post-LayerNorm blocks of width `nEmbd`, each
/// a single causal attention head over the whole width (queries, keys and values without bias, no
/// output projection) and a ReLU MLP of width `nEmbd`, learned positions for `blockSize` tokens, a
/// vocabulary of `vocabSize` states and an untied head with a bias.
package struct MarkovReferenceConfig: Codable, Equatable, Sendable {
    package var nLayer: Int
    package var nEmbd: Int
    package var vocabSize: Int
    /// The learned positions (`n_positions`): the longest input, 19 for sequences of 20 states.
    package var blockSize: Int
    /// ε of every LayerNorm (PyTorch's default 1e−5).
    package var layerNormEps: Double

    package init(nLayer: Int, nEmbd: Int, vocabSize: Int, blockSize: Int, layerNormEps: Double = 1e-5) {
        self.nLayer = nLayer
        self.nEmbd = nEmbd
        self.vocabSize = vocabSize
        self.blockSize = blockSize
        self.layerNormEps = layerNormEps
    }

    /// The model of the public code: 4 blocks of 128, 10 states, 19 positions (inputs are the
    /// first 19 of 20 states); 335 754 parameters.
    package static let reference = MarkovReferenceConfig(nLayer: 4, nEmbd: 128, vocabSize: 10, blockSize: 19)

    /// Checks the invariants the engine relies on.
    package func validate() throws(ModelError) {
        guard nLayer > 0, nEmbd > 0, vocabSize > 0, blockSize > 0 else {
            throw .invalidConfig("all sizes must be positive: \(self)")
        }
        guard layerNormEps.isFinite, layerNormEps > 0 else {
            throw .invalidConfig("layer_norm_eps must be a positive number, not \(layerNormEps)")
        }
        guard checkedParameterCount.value != nil else {
            throw .invalidConfig("the sizes make more than \(Int.max) parameters: \(self)")
        }
    }

    /// The number of parameters (the tensors of `parameterLayout`), overflow-checked: nil when it
    /// does not fit in an `Int`:
    ///
    ///     V·C + T·C + L·(5C² + 6C) + V·C + V
    ///
    /// (token embedding, positions; per block the query, key and value matrices, the two MLP
    /// layers with their biases and two LayerNorms; the head and its bias). 4 blocks of 128 with
    /// 10 states and 19 positions make 335 754.
    package var checkedParameterCount: CheckedCount {
        let v = CheckedCount(vocabSize), t = CheckedCount(blockSize), c = CheckedCount(nEmbd), l = CheckedCount(nLayer)
        return v * c + t * c + l * (5 * c * c + 6 * c) + v * c + v
    }

    /// The sizes of the `config.json` at `file`, under its keys, for checking against the weights
    /// before loading them.
    package func claimedSizes(file: String) -> ClaimedSizes {
        ClaimedSizes(
            file: file, dimensions: [("vocab_size", vocabSize), ("n_positions", blockSize), ("n_embd", nEmbd)],
            layers: ("n_layer", nLayer), tensorsPerBlock: 11, tensorsOutsideBlocks: 4,
            parameterCount: checkedParameterCount)
    }

    /// The keys of gscope's `config.json` for this model (the public code's names for the sizes).
    enum CodingKeys: String, CodingKey {
        case nLayer = "n_layer", nEmbd = "n_embd", vocabSize = "vocab_size", blockSize = "n_positions"
        case layerNormEps = "layer_norm_eps"
    }

    /// Reads `config.json`; `layer_norm_eps` may be left out (PyTorch's 1e−5).
    package init(from decoder: any Swift.Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            nLayer: try c.decode(Int.self, forKey: .nLayer), nEmbd: try c.decode(Int.self, forKey: .nEmbd),
            vocabSize: try c.decode(Int.self, forKey: .vocabSize), blockSize: try c.decode(Int.self, forKey: .blockSize),
            layerNormEps: try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? 1e-5)
    }
}
