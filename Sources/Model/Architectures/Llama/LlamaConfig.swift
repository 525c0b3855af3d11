/// The shape of a Llama (pre-RMSNorm decoder with rotary embeddings, grouped-query attention and a
/// SwiGLU MLP): `nLayer` blocks of width `nEmbd`, `nHead` query heads sharing `nKVHead` key/value
/// heads, an MLP of `ffnHidden` units, a vocabulary of `vocabSize` tokens and room for `blockSize`
/// positions (the context).
///
/// The same engine computes Hugging Face's `mistral` and `qwen2` (`modelType`): they differ from
/// `llama` only in which projections carry biases (`qkvBias`, `outputBias`, `mlpBias`) and in the
/// sliding window, which gscope never applies: it refuses sequences longer than the window
/// (`contextLength`), where the window would make a difference.
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
    /// Hugging Face's `model_type` the configuration came from and is saved as: "llama",
    /// "mistral" or "qwen2" (`LlamaFamily`).
    package var modelType: LlamaFamily = .llama
    /// The width of an attention head when it is not `nEmbd / nHead` (`head_dim`); nil: that.
    package var headDim: Int? = nil
    /// The rescaling of the rotary frequencies (`rope_scaling`), nil for none.
    package var ropeScaling: RopeScaling? = nil
    /// Biases on `q_proj`, `k_proj`, `v_proj` (Llama's `attention_bias`; always for Qwen2).
    package var qkvBias = false
    /// A bias on `o_proj` (Llama's `attention_bias`; never for Qwen2 and Mistral).
    package var outputBias = false
    /// Biases on `gate_proj`, `up_proj`, `down_proj` (Llama's `mlp_bias`).
    package var mlpBias = false
    /// The attention window of Mistral (`sliding_window`) or Qwen2 (`use_sliding_window`): a
    /// position attends to the last `slidingWindow` positions only. Sequences no longer than it
    /// attend to everything before them, so the model's context is capped at it
    /// (`contextLength`); nil: no window.
    package var slidingWindow: Int? = nil

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

    /// Width of one attention head: `headDim`, else `nEmbd / nHead`.
    package var headSize: Int { headDim ?? nEmbd / nHead }
    /// Width of the queries and of the attention output: `nHead·headSize` (`nEmbd` unless
    /// `headDim` says otherwise).
    package var qDim: Int { nHead * headSize }
    /// Width of the keys (and of the values): `nKVHead·headSize`.
    package var kvDim: Int { nKVHead * headSize }
    /// Width of a fused `q|k|v` row: `qDim + 2·kvDim`.
    package var qkvDim: Int { qDim + 2 * kvDim }
    /// The longest sequence the model computes: `blockSize`, capped at the sliding window.
    package var contextLength: Int { min(blockSize, slidingWindow ?? blockSize) }
    /// Whether the model has any bias (then `Llama` keeps a vector of ones for their gradients).
    package var hasBiases: Bool { qkvBias || outputBias || mlpBias }

    /// The rotary frequencies `ωᵢ`, i < headSize/2: `ropeBase^(−2i/headSize)` rescaled by
    /// `ropeScaling` (`RopeScaling.frequencies`).
    package var ropeFrequencies: [Double] {
        RopeScaling.frequencies(base: ropeBase, headSize: headSize, scaling: ropeScaling)
    }

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

    /// Qwen2.5-0.5B's shape (Hugging Face `Qwen/Qwen2.5-0.5B`, model_type qwen2): 24 blocks of 896,
    /// 14 query heads on 2 key/value heads (head size 64) with q/k/v biases, SwiGLU MLP of 4864,
    /// vocabulary 151936, context 32768, RoPE base 1e6, RMSNorm ε 1e−6, tied embeddings;
    /// 494 032 768 parameters.
    package static let qwen25_05b: LlamaConfig = {
        var c = LlamaConfig(
            nLayer: 24, nHead: 14, nKVHead: 2, nEmbd: 896, ffnHidden: 4864, vocabSize: 151_936, blockSize: 32_768,
            ropeBase: 1_000_000, rmsNormEps: 1e-6, tiedEmbeddings: true)
        c.modelType = .qwen2
        c.qkvBias = true
        return c
    }()

    /// Checks the invariants the engine relies on.
    package func validate() throws(ModelError) {
        guard nLayer > 0, nHead > 0, nKVHead > 0, nEmbd > 0, ffnHidden > 0, vocabSize > 0, blockSize > 0 else {
            throw .invalidConfig("all sizes must be positive: \(self)")
        }
        if modelType != .llama, outputBias || mlpBias || (modelType == .mistral && qkvBias) {
            throw .invalidConfig(
                "a \(modelType.rawValue) model has no such biases (mistral has none; qwen2 has them on q, k and v only)")
        }
        if modelType == .qwen2, !qkvBias {
            throw .invalidConfig("a qwen2 model has biases on q, k and v")
        }
        if modelType == .llama, qkvBias != outputBias {
            throw .invalidConfig("a llama model's attention_bias covers q, k, v and o_proj together")
        }
        if let headDim {
            guard headDim > 0 else { throw .invalidConfig("head_dim \(headDim) must be positive") }
        } else {
            guard nEmbd % nHead == 0 else {
                throw .invalidConfig("hidden size \(nEmbd) is not divisible by \(nHead) attention heads")
            }
        }
        if let slidingWindow, slidingWindow <= 0 {
            throw .invalidConfig("sliding window \(slidingWindow) must be positive")
        }
        if let ropeScaling { try ropeScaling.validate() }
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

    /// The number of parameters, `V·C + L·(2C + 2·Q·C + 2·KV·C + 3F·C + biases) + C` with
    /// Q = `qDim`, plus `V·C` for an untied head (the tensors of `parameterLayout`); the biases are
    /// Q + 2·KV (q, k, v), C (o) and 2F + C (MLP) when present. Overflow-checked: nil when it does
    /// not fit in an `Int`. Needs `nHead > 0` (nil otherwise).
    package var checkedParameterCount: CheckedCount {
        guard nHead > 0 else { return nil }
        let v = CheckedCount(vocabSize), c = CheckedCount(nEmbd), l = CheckedCount(nLayer), f = CheckedCount(ffnHidden)
        let hs = headDim.map { CheckedCount($0) } ?? CheckedCount(nEmbd / nHead)
        let kv = CheckedCount(nKVHead) * hs, q = CheckedCount(nHead) * hs
        let head: CheckedCount = tiedEmbeddings ? 0 : v * c
        var biases: CheckedCount = 0
        if qkvBias { biases = biases + q + 2 * kv }
        if outputBias { biases = biases + c }
        if mlpBias { biases = biases + 2 * f + c }
        return v * c + l * (2 * c + 2 * q * c + 2 * kv * c + 3 * f * c + biases) + c + head
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
            layers: (keys.layers, nLayer), tensorsPerBlock: 9 + biasTensorsPerBlock,
            tensorsOutsideBlocks: tiedEmbeddings ? 2 : 3,
            parameterCount: checkedParameterCount)
    }

    /// Refuses a sequence of `length` positions longer than the sliding window: there the window
    /// would hide the earliest positions, which gscope's attention does not do.
    package func refuseBeyondSlidingWindow(_ length: Int) throws(ModelError) {
        if let slidingWindow, length > slidingWindow {
            throw .shapeMismatch(
                "sequence length \(length) exceeds the sliding window \(slidingWindow) of this \(modelType.rawValue) model "
                    + "(sliding_window): gscope attends to every earlier position and refuses longer sequences "
                    + "rather than computing them wrong")
        }
    }

    /// The number of bias tensors in a block: 3 (q, k, v), 1 (o), 3 (MLP) as present.
    package var biasTensorsPerBlock: Int { (qkvBias ? 3 : 0) + (outputBias ? 1 : 0) + (mlpBias ? 3 : 0) }

    /// Reads a transformers `config.json` (`LlamaConfigFile`); a key gscope does not compute is
    /// a `DecodingError` naming it.
    package init(from decoder: any Swift.Decoder) throws {
        let file = try LlamaConfigFile(from: decoder)
        self = file.config
        if let refusal = file.refusal {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: refusal))
        }
    }

    /// Writes the transformers `config.json` keys `init(from:)` reads back.
    package func encode(to encoder: any Swift.Encoder) throws {
        try LlamaConfigFile(self).encode(to: encoder)
    }
}
