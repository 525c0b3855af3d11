import Foundation

/// The Hugging Face `model_type`s the Llama engine computes. They differ only in their biases
/// and sliding window (`LlamaConfig`), and in the names transformers gives their classes.
package enum LlamaFamily: String, Sendable, CaseIterable {
    case llama, mistral, qwen2

    /// The `architectures` entry of a saved `config.json`.
    package var causalLMClass: String {
        switch self {
        case .llama: "LlamaForCausalLM"
        case .mistral: "MistralForCausalLM"
        case .qwen2: "Qwen2ForCausalLM"
        }
    }
}

/// The rotary parameters of a `config.json`: `rope_scaling` (transformers 4) or
/// `rope_parameters` (transformers 5, which moves `rope_theta` in too).
struct RopeParametersKeys: Codable {
    var ropeType: String?
    var type: String?
    var factor: Double?
    var lowFreqFactor: Double?
    var highFreqFactor: Double?
    var originalMaxPositionEmbeddings: Int?
    var ropeTheta: Double?

    enum CodingKeys: String, CodingKey {
        case ropeType = "rope_type", type, factor, lowFreqFactor = "low_freq_factor"
        case highFreqFactor = "high_freq_factor", originalMaxPositionEmbeddings = "original_max_position_embeddings"
        case ropeTheta = "rope_theta"
    }
}

/// A transformers `config.json` of model_type `llama`, `mistral` or `qwen2`, as written: the keys
/// the Llama engine reads, each optional where transformers has a default. `config` is the
/// `LlamaConfig` it describes; `refusal` says which key asks for something gscope does not
/// compute (another `rope_scaling` type, another `hidden_act`, another `model_type`), naming the
/// key.
struct LlamaConfigFile: Codable {
    var modelType: String?
    var nLayer, nHead, nEmbd, ffnHidden, vocabSize, blockSize: Int
    var nKVHead: Int?
    var headDim: Int?
    var ropeTheta: Double?
    var rmsNormEps: Double?
    var tiedEmbeddings: Bool?
    var ropeScaling: RopeParametersKeys?
    var ropeParameters: RopeParametersKeys?
    var attentionBias: Bool?
    var mlpBias: Bool?
    var hiddenAct: String?
    var slidingWindow: Int?
    var useSlidingWindow: Bool?
    var layerTypes: [String]?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", nLayer = "num_hidden_layers", nHead = "num_attention_heads"
        case nKVHead = "num_key_value_heads", nEmbd = "hidden_size", ffnHidden = "intermediate_size"
        case vocabSize = "vocab_size", blockSize = "max_position_embeddings", headDim = "head_dim"
        case ropeTheta = "rope_theta", rmsNormEps = "rms_norm_eps", tiedEmbeddings = "tie_word_embeddings"
        case ropeScaling = "rope_scaling", ropeParameters = "rope_parameters"
        case attentionBias = "attention_bias", mlpBias = "mlp_bias", hiddenAct = "hidden_act"
        case slidingWindow = "sliding_window", useSlidingWindow = "use_sliding_window", layerTypes = "layer_types"
    }

    /// The family `model_type` names (absent: llama, as gscope's older Llama configs).
    var family: LlamaFamily? { LlamaFamily(rawValue: modelType ?? LlamaFamily.llama.rawValue) }

    /// The rotary parameters in force and the key they came from: `rope_scaling` when it is set,
    /// else `rope_parameters`.
    var rope: (key: String, keys: RopeParametersKeys)? {
        if let ropeScaling { return ("rope_scaling", ropeScaling) }
        if let ropeParameters { return ("rope_parameters", ropeParameters) }
        return nil
    }

    /// What gscope cannot compute in this file, as `key: why` (nil: everything is computed).
    var refusal: String? {
        guard let family else {
            let known = LlamaFamily.allCases.map(\.rawValue).joined(separator: ", ")
            return "model_type: '\(modelType ?? "")' is not one the Llama engine computes (\(known))"
        }
        if let hiddenAct, hiddenAct != "silu" {
            return "hidden_act: '\(hiddenAct)' is not computed; the \(family.rawValue) engine computes silu"
        }
        if let (key, rope) = rope {
            let type = rope.ropeType ?? rope.type ?? "default"
            switch type {
            case "default":
                break
            case "linear":
                if rope.factor == nil { return "\(key): the linear rotary scaling has no factor" }
            case "llama3":
                let missing = [
                    ("factor", rope.factor == nil), ("low_freq_factor", rope.lowFreqFactor == nil),
                    ("high_freq_factor", rope.highFreqFactor == nil),
                    ("original_max_position_embeddings", rope.originalMaxPositionEmbeddings == nil),
                ].filter(\.1).map(\.0)
                if !missing.isEmpty { return "\(key): the llama3 rotary scaling has no \(missing.joined(separator: ", "))" }
            default:
                return "\(key): rope_type '\(type)' is not computed by gscope (it computes "
                    + "\(RopeScaling.computedTypes.joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// The configuration the file describes, with transformers' defaults for absent keys
    /// (`num_key_value_heads` = heads, `rope_theta` 10000, `rms_norm_eps` 1e−6, an untied head).
    /// A `head_dim` equal to `hidden_size / num_attention_heads` is the default (nil). Keys of a
    /// type gscope does not compute are left out (`refusal` names them).
    var config: LlamaConfig {
        let family = family ?? .llama
        let rope = rope?.keys
        var c = LlamaConfig(
            nLayer: nLayer, nHead: nHead, nKVHead: nKVHead ?? nHead, nEmbd: nEmbd, ffnHidden: ffnHidden,
            vocabSize: vocabSize, blockSize: blockSize, ropeBase: ropeTheta ?? rope?.ropeTheta ?? 10_000,
            rmsNormEps: rmsNormEps ?? 1e-6, tiedEmbeddings: tiedEmbeddings ?? false)
        c.modelType = family
        if let headDim, !(nHead > 0 && nEmbd % nHead == 0 && headDim == nEmbd / nHead) { c.headDim = headDim }
        if let rope, let factor = rope.factor {
            switch rope.ropeType ?? rope.type {
            case "linear":
                c.ropeScaling = .linear(factor: factor)
            case "llama3":
                if let low = rope.lowFreqFactor, let high = rope.highFreqFactor,
                    let context = rope.originalMaxPositionEmbeddings
                {
                    c.ropeScaling = .llama3(
                        factor: factor, lowFrequencyFactor: low, highFrequencyFactor: high, originalContext: context)
                }
            default:
                break
            }
        }
        switch family {
        case .llama:
            c.qkvBias = attentionBias ?? false
            c.outputBias = attentionBias ?? false
            c.mlpBias = mlpBias ?? false
        case .mistral:
            c.slidingWindow = slidingWindow
        case .qwen2:
            c.qkvBias = true
            let slides = useSlidingWindow == true || (layerTypes ?? []).contains("sliding_attention")
            c.slidingWindow = slides ? slidingWindow : nil
        }
        return c
    }

    /// The keys of `config` (the inverse of `config`, for `LlamaConfig.encode`).
    init(_ c: LlamaConfig) {
        modelType = c.modelType.rawValue
        nLayer = c.nLayer; nHead = c.nHead; nKVHead = c.nKVHead; nEmbd = c.nEmbd; ffnHidden = c.ffnHidden
        vocabSize = c.vocabSize; blockSize = c.blockSize; headDim = c.headDim
        ropeTheta = c.ropeBase; rmsNormEps = c.rmsNormEps; tiedEmbeddings = c.tiedEmbeddings
        ropeScaling = c.ropeScaling.map(RopeParametersKeys.init)
        switch c.modelType {
        case .llama:
            attentionBias = c.qkvBias
            mlpBias = c.mlpBias
        case .mistral:
            slidingWindow = c.slidingWindow
        case .qwen2:
            useSlidingWindow = c.slidingWindow != nil
            slidingWindow = c.slidingWindow
        }
    }
}

extension RopeParametersKeys {
    /// The keys of `scaling`.
    init(_ scaling: RopeScaling) {
        ropeType = scaling.typeName
        switch scaling {
        case .linear(let factor):
            self.factor = factor
        case .llama3(let factor, let low, let high, let context):
            self.factor = factor
            lowFreqFactor = low
            highFreqFactor = high
            originalMaxPositionEmbeddings = context
        }
    }

    /// The JSON text of the keys, sorted (for `Checkpoint.llamaConfigJSON`).
    var json: String {
        var entries: [(String, String)] = [("rope_type", "\"\(ropeType ?? "default")\"")]
        if let factor { entries.append(("factor", "\(factor)")) }
        if let lowFreqFactor { entries.append(("low_freq_factor", "\(lowFreqFactor)")) }
        if let highFreqFactor { entries.append(("high_freq_factor", "\(highFreqFactor)")) }
        if let originalMaxPositionEmbeddings {
            entries.append(("original_max_position_embeddings", "\(originalMaxPositionEmbeddings)"))
        }
        return "{" + entries.sorted { $0.0 < $1.0 }.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}
