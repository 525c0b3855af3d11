import Foundation

/// Llama-family checkpoints in Hugging Face's layout: the tensors under their transformers names
/// (no `lm_head.weight` when the head is tied) with the metadata `{"format": "pt", "gscope":
/// "llama"}`, and a transformers `config.json` (`model_type` "llama", "mistral" or "qwen2" with its
/// class, the sizes under `LlamaConfigFile`'s keys), so that `AutoModelForCausalLM.from_pretrained`
/// loads the directory as it is.
extension Checkpoint {
    package static let llamaMetadata = ["format": "pt", "gscope": "llama"]

    /// Writes a Llama's `parameters` (the flat buffer in layout order) and `config` to
    /// `directory` (atomic per file).
    package static func saveLlama(
        config: LlamaConfig, parameters: UnsafeBufferPointer<Float>,
        to directory: String
    ) throws(ModelError) {
        try config.validate()
        try save(
            configJSON: llamaConfigJSON(config), layout: config.parameterLayout(), parameters: parameters,
            metadata: llamaMetadata, describing: llamaDescription(config), to: directory)
    }

    /// Reads the Llama-family checkpoint in `directory` (`model_type` llama, mistral or qwen2):
    /// its configuration and the flat parameter buffer in layout order. A key asking for what
    /// gscope does not compute (`LlamaConfigFile.refusal`: another `rope_scaling` type, another
    /// `hidden_act`) is an error naming `config.json` and the key.
    package static func loadLlama(from directory: String) throws(ModelError) -> (config: LlamaConfig, parameters: [Float]) {
        let path = join(directory, configFile)
        let header = try decodeConfig(ArchitectureHeader.self, from: directory)
        let type = header.modelType ?? ""
        guard LlamaFamily(rawValue: type) != nil else {
            let known = LlamaFamily.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw .checkpoint("\(path): model_type is '\(header.modelType ?? "absent")', this loader reads \(known)")
        }
        let file = try decodeConfig(LlamaConfigFile.self, from: directory)
        let config = file.config
        // The sizes are checked against the weights file before anything the size of the model is
        // built; then the keys gscope does not compute, and the configuration itself.
        let weights = try readWeights(of: directory, claiming: config.claimedSizes(file: path, keys: .configJSON)) {
            () throws(ModelError) in
            if let refusal = file.refusal { throw .checkpoint("\(path): \(refusal)") }
            do throws(ModelError) {
                try config.validate()
            } catch {
                throw .checkpoint("\(path): \(error)")
            }
        }
        let parameters = try loadParameters(
            layout: config.parameterLayout(), from: weights,
            describing: llamaDescription(config))
        return (config, parameters)
    }

    /// The text of a transformers `config.json` for `config` (sorted keys, two-space indent), under
    /// its own `model_type` and class: `attention_bias` and `mlp_bias` for llama, `sliding_window`
    /// for mistral, `use_sliding_window` and `sliding_window` for qwen2 (whose q/k/v biases are
    /// implied), `rope_scaling` when set.
    package static func llamaConfigJSON(_ c: LlamaConfig) -> String {
        var entries: [(key: String, value: String)] = [
            ("architectures", "[\"\(c.modelType.causalLMClass)\"]"), ("model_type", "\"\(c.modelType.rawValue)\""),
            ("hidden_act", "\"silu\""),
            ("torch_dtype", "\"float32\""), ("head_dim", String(c.headSize)),
            ("hidden_size", String(c.nEmbd)), ("intermediate_size", String(c.ffnHidden)),
            ("num_attention_heads", String(c.nHead)), ("num_key_value_heads", String(c.nKVHead)),
            ("num_hidden_layers", String(c.nLayer)), ("vocab_size", String(c.vocabSize)),
            ("max_position_embeddings", String(c.blockSize)), ("rope_theta", "\(c.ropeBase)"),
            ("rms_norm_eps", "\(c.rmsNormEps)"), ("tie_word_embeddings", c.tiedEmbeddings ? "true" : "false"),
        ]
        let window = c.slidingWindow.map(String.init) ?? "null"
        switch c.modelType {
        case .llama:
            entries += [("attention_bias", c.qkvBias ? "true" : "false"), ("mlp_bias", c.mlpBias ? "true" : "false")]
        case .mistral:
            entries += [("sliding_window", window)]
        case .qwen2:
            entries += [("use_sliding_window", c.slidingWindow == nil ? "false" : "true"), ("sliding_window", window)]
            if c.slidingWindow != nil { entries += [("max_window_layers", "0")] }
        }
        if let scaling = c.ropeScaling { entries.append(("rope_scaling", RopeParametersKeys(scaling).json)) }
        return prettyJSON(entries)
    }

    static func llamaDescription(_ c: LlamaConfig) -> String {
        "\(c.modelType.rawValue): \(c.nLayer) layers, \(c.nHead) heads on \(c.nKVHead) key/value heads, hidden \(c.nEmbd), "
            + "intermediate \(c.ffnHidden), vocab \(c.vocabSize)"
    }
}
