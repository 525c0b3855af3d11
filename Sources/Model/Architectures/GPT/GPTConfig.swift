/// The shape of a pre-LayerNorm GPT-2: `nLayer` blocks of width `nEmbd` with `nHead` attention
/// heads, a vocabulary of `vocabSize` tokens and room for `blockSize` positions; its LayerNorms
/// add `layerNormEpsilon` to the variance (GPT-2's 1e-5, `LayerNorm.eps`, unless a Hugging Face
/// `config.json` says otherwise).
package struct GPTConfig: Codable, Equatable, Sendable {
    package var nLayer: Int
    package var nHead: Int
    package var nEmbd: Int
    package var vocabSize: Int
    package var blockSize: Int
    /// ε of every LayerNorm (`layer_norm_epsilon`); not a key of gscope's older `config.json`,
    /// which always meant `LayerNorm.eps`.
    package var layerNormEpsilon: Float = LayerNorm.eps

    package init(
        nLayer: Int, nHead: Int, nEmbd: Int, vocabSize: Int, blockSize: Int, layerNormEpsilon: Float = LayerNorm.eps
    ) {
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.vocabSize = vocabSize
        self.blockSize = blockSize
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// Width of one attention head.
    package var headSize: Int { nEmbd / nHead }

    package static let tiny = GPTConfig(nLayer: 4, nHead: 4, nEmbd: 128, vocabSize: 512, blockSize: 64)
    package static let small = GPTConfig(nLayer: 6, nHead: 8, nEmbd: 256, vocabSize: 2048, blockSize: 128)
    package static let medium = GPTConfig(nLayer: 8, nHead: 8, nEmbd: 384, vocabSize: 4096, blockSize: 128)
    /// The mixture-of-Markov-chains model (REFERENCE §4): 10 states, sequences of at most 20; a
    /// standard pre-LN GPT of the reference's depth and width (4 blocks of 128), in place of its
    /// post-LN single-head variant.
    package static let markov = GPTConfig(nLayer: 4, nHead: 4, nEmbd: 128, vocabSize: 10, blockSize: 32)

    /// Checks the invariants the engine relies on.
    package func validate() throws(ModelError) {
        guard nLayer > 0, nHead > 0, nEmbd > 0, vocabSize > 0, blockSize > 0 else {
            throw .invalidConfig("all sizes must be positive: \(self)")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0 else {
            throw .invalidConfig("layer_norm_epsilon must be a positive number, not \(layerNormEpsilon)")
        }
        guard nEmbd % nHead == 0 else {
            throw .invalidConfig("n_embd \(nEmbd) is not divisible by n_head \(nHead)")
        }
        guard checkedParameterCount.value != nil else {
            throw .invalidConfig("the sizes make more than \(Int.max) parameters: \(self)")
        }
    }

    /// The number of parameters, `V·C + T·C + L·(12C² + 13C) + 2C` (the tensors of
    /// `parameterLayout`), overflow-checked: nil when it does not fit in an `Int`.
    package var checkedParameterCount: CheckedCount {
        let v = CheckedCount(vocabSize), t = CheckedCount(blockSize), c = CheckedCount(nEmbd), l = CheckedCount(nLayer)
        return v * c + t * c + l * (12 * c * c + 13 * c) + 2 * c
    }

    /// The sizes of `config.json` (at `file`), for checking against the weights before loading them;
    /// `contextKey` names the context length (`block_size` in gscope's older files, `n_positions`
    /// in Hugging Face's).
    package func claimedSizes(file: String, contextKey: String = "block_size") -> ClaimedSizes {
        ClaimedSizes(
            file: file, dimensions: [("vocab_size", vocabSize), (contextKey, blockSize), ("n_embd", nEmbd)],
            layers: ("n_layer", nLayer), tensorsPerBlock: 12, tensorsOutsideBlocks: 4,
            parameterCount: checkedParameterCount)
    }

    // Hugging Face spelling in `config.json`.
    enum CodingKeys: String, CodingKey {
        case nLayer = "n_layer", nHead = "n_head", nEmbd = "n_embd"
        case vocabSize = "vocab_size", blockSize = "block_size"
    }
}
