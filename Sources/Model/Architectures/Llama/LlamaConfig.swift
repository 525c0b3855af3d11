/// The shape of a Llama (pre-RMSNorm decoder with rotary embeddings, grouped-query attention and a
/// SwiGLU MLP): `nLayer` blocks of width `nEmbd`, `nHead` query heads sharing `nKVHead` key/value
/// heads, an MLP of `ffnHidden` units, a vocabulary of `vocabSize` tokens and room for `blockSize`
/// positions (the context).
package struct LlamaConfig: Codable, Equatable, Sendable {
    package var nLayer: Int
    package var nHead: Int
    package var nKVHead: Int
    package var nEmbd: Int
    package var ffnHidden: Int
    package var vocabSize: Int
    package var blockSize: Int
    /// RoPE base θ: position t rotates pair i of a head by `t·ropeBase^(−2i/headSize)`.
    package var ropeBase: Double
    /// ε of every RMSNorm.
    package var rmsNormEps: Double
    /// Whether the output head is the token embedding (`model.embed_tokens.weight`); when false it
    /// has its own `lm_head.weight`.
    package var tiedEmbeddings: Bool

    package init(
        nLayer: Int, nHead: Int, nKVHead: Int, nEmbd: Int, ffnHidden: Int, vocabSize: Int, blockSize: Int,
        ropeBase: Double = 10_000, rmsNormEps: Double = 1e-5, tiedEmbeddings: Bool = true
    ) {
        self.nLayer = nLayer
        self.nHead = nHead
        self.nKVHead = nKVHead
        self.nEmbd = nEmbd
        self.ffnHidden = ffnHidden
        self.vocabSize = vocabSize
        self.blockSize = blockSize
        self.ropeBase = ropeBase
        self.rmsNormEps = rmsNormEps
        self.tiedEmbeddings = tiedEmbeddings
    }

    /// Width of one attention head.
    package var headSize: Int { nEmbd / nHead }
    /// Width of the keys (and of the values): `nKVHead·headSize`.
    package var kvDim: Int { nKVHead * headSize }
    /// Width of a fused `q|k|v` row: `nEmbd + 2·kvDim`.
    package var qkvDim: Int { nEmbd + 2 * kvDim }

    /// A small model for tests and quick runs.
    package static let tiny = LlamaConfig(
        nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 48, vocabSize: 40,
        blockSize: 16, ropeBase: 10_000, rmsNormEps: 1e-5, tiedEmbeddings: true)
    /// SmolLM2-135M (Hugging Face `HuggingFaceTB/SmolLM2-135M`): 30 blocks of 576, 9 query heads on
    /// 3 key/value heads (head size 64), SwiGLU MLP of 1536, vocabulary 49152, context 8192,
    /// RoPE base 1e5, RMSNorm ε 1e−5, tied embeddings; 134 515 008 parameters.
    package static let smollm2_135m = LlamaConfig(
        nLayer: 30, nHead: 9, nKVHead: 3, nEmbd: 576, ffnHidden: 1536,
        vocabSize: 49152, blockSize: 8192, ropeBase: 100_000,
        rmsNormEps: 1e-5, tiedEmbeddings: true)


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
        guard headSize % 2 == 0 else {
            throw .invalidConfig("head size \(headSize) is odd; rotary embeddings pair dimensions i and i + size/2")
        }
        guard ropeBase > 0, rmsNormEps >= 0 else {
            throw .invalidConfig("RoPE base \(ropeBase) must be positive and RMSNorm ε \(rmsNormEps) non-negative")
        }
        guard checkedParameterCount.value != nil else {
            throw .invalidConfig("the sizes make more than \(Int.max) parameters: \(self)")
        }
    }

    /// The number of parameters, `V·C + L·(2C + 2C² + 2·KV·C + 3F·C) + C`, plus `V·C` for an untied
    /// head (the tensors of `parameterLayout`), overflow-checked: nil when it does not fit in an
    /// `Int`. Needs `nHead > 0` (nil otherwise).
    package var checkedParameterCount: CheckedCount {
        guard nHead > 0 else { return nil }
        let v = CheckedCount(vocabSize), c = CheckedCount(nEmbd), l = CheckedCount(nLayer), f = CheckedCount(ffnHidden)
        let kv = CheckedCount(nKVHead) * CheckedCount(headSize)
        let head: CheckedCount = tiedEmbeddings ? 0 : v * c
        return v * c + l * (2 * c + 2 * c * c + 2 * kv * c + 3 * f * c) + c + head
    }

    /// The keys that size a Llama: Hugging Face's `config.json` or GGUF metadata.
    package enum SizeKeys: Sendable {
        case configJSON, gguf

        var layers: String { self == .gguf ? "llama.block_count" : "num_hidden_layers" }
        var width: String { self == .gguf ? "llama.embedding_length" : "hidden_size" }
        var ffn: String { self == .gguf ? "llama.feed_forward_length" : "intermediate_size" }
        var vocabulary: String { self == .gguf ? "the rows of token_embd.weight" : "vocab_size" }
    }

    /// The sizes of the configuration at `file`, under the keys `keys` spells, for checking against
    /// the weights before loading them.
    package func claimedSizes(file: String, keys: SizeKeys) -> ClaimedSizes {
        ClaimedSizes(
            file: file, dimensions: [(keys.vocabulary, vocabSize), (keys.width, nEmbd), (keys.ffn, ffnHidden)],
            layers: (keys.layers, nLayer), tensorsPerBlock: 9, tensorsOutsideBlocks: tiedEmbeddings ? 2 : 3,
            parameterCount: checkedParameterCount)
    }

    // Hugging Face spelling in a Llama `config.json`.
    enum CodingKeys: String, CodingKey {
        case nLayer = "num_hidden_layers", nHead = "num_attention_heads", nKVHead = "num_key_value_heads"
        case nEmbd = "hidden_size", ffnHidden = "intermediate_size", vocabSize = "vocab_size"
        case blockSize = "max_position_embeddings", ropeBase = "rope_theta", rmsNormEps = "rms_norm_eps"
        case tiedEmbeddings = "tie_word_embeddings"
    }
}
