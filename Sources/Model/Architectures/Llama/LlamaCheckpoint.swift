import Foundation

/// Llama checkpoints in Hugging Face's layout: the tensors under their transformers names (no
/// `lm_head.weight` when the head is tied) with the metadata `{"format": "pt", "gscope": "llama"}`,
/// and a transformers `config.json` (`model_type` "llama", `LlamaForCausalLM`, the sizes under
/// `LlamaConfig`'s keys), so that `LlamaForCausalLM.from_pretrained(directory)` loads the
/// directory as it is.
extension Checkpoint {
    package static let llamaModelType = "llama"
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

    /// Refuses the `config.json` keys of Llama variants gscope does not compute yet, rather than
    /// loading the weights and computing another model: `rope_scaling` (Llama 3's rotary
    /// frequencies), a `head_dim` other than `hidden_size / num_attention_heads`, and biases on
    /// the attention or MLP projections (`attention_bias`, `mlp_bias`).
    static func refuseUnsupportedLlamaKeys(in directory: String, config: LlamaConfig) throws(ModelError) {
        let path = join(directory, configFile)
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
            let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return }   // decodeConfig has already read it; nothing more to say here
        func refuse(_ key: String, _ why: String) -> ModelError {
            .checkpoint(
                "\(path): \(key): \(why); gscope does not compute this Llama variant yet, and would compute another model")
        }
        if let scaling = keys["rope_scaling"], !(scaling is NSNull) {
            throw refuse("rope_scaling", "rotary-embedding scaling is set")
        }
        // JSONSerialization gives numbers and booleans as NSNumber on Linux.
        func number(_ key: String) -> NSNumber? { keys[key] as? NSNumber }
        if let headDim = number("head_dim")?.intValue, headDim * config.nHead != config.nEmbd {
            throw refuse(
                "head_dim", "\(headDim) is not hidden_size / num_attention_heads = \(config.nEmbd / max(config.nHead, 1))")
        }
        for key in ["attention_bias", "mlp_bias"] where number(key)?.boolValue == true {
            throw refuse(key, "the projections carry biases")
        }
    }

    /// Reads the Llama checkpoint in `directory`: its configuration and the flat parameter
    /// buffer in layout order.
    package static func loadLlama(from directory: String) throws(ModelError) -> (config: LlamaConfig, parameters: [Float]) {
        let path = join(directory, configFile)
        let header = try decodeConfig(ArchitectureHeader.self, from: directory)
        guard header.modelType == llamaModelType else {
            throw .checkpoint("\(path): model_type is '\(header.modelType ?? "absent")', this loader reads '\(llamaModelType)'")
        }
        let config = try decodeConfig(LlamaConfig.self, from: directory)
        // The sizes are checked against the weights file before anything the size of the model is
        // built; then the configuration itself, and the variant keys gscope does not compute.
        let weights = try readWeights(of: directory, claiming: config.claimedSizes(file: path, keys: .configJSON)) {
            () throws(ModelError) in
            do throws(ModelError) {
                try config.validate()
            } catch {
                throw .checkpoint("\(path): \(error)")
            }
            try refuseUnsupportedLlamaKeys(in: directory, config: config)
        }
        let parameters = try loadParameters(
            layout: config.parameterLayout(), from: weights,
            describing: llamaDescription(config))
        return (config, parameters)
    }

    /// The text of a transformers `config.json` for `config` (sorted keys, two-space indent).
    package static func llamaConfigJSON(_ c: LlamaConfig) -> String {
        prettyJSON([
            ("architectures", "[\"LlamaForCausalLM\"]"), ("model_type", "\"\(llamaModelType)\""),
            ("attention_bias", "false"), ("mlp_bias", "false"), ("hidden_act", "\"silu\""),
            ("torch_dtype", "\"float32\""), ("head_dim", String(c.headSize)),
            ("hidden_size", String(c.nEmbd)), ("intermediate_size", String(c.ffnHidden)),
            ("num_attention_heads", String(c.nHead)), ("num_key_value_heads", String(c.nKVHead)),
            ("num_hidden_layers", String(c.nLayer)), ("vocab_size", String(c.vocabSize)),
            ("max_position_embeddings", String(c.blockSize)), ("rope_theta", "\(c.ropeBase)"),
            ("rms_norm_eps", "\(c.rmsNormEps)"), ("tie_word_embeddings", c.tiedEmbeddings ? "true" : "false"),
        ])
    }

    static func llamaDescription(_ c: LlamaConfig) -> String {
        "Llama: \(c.nLayer) layers, \(c.nHead) heads on \(c.nKVHead) key/value heads, hidden \(c.nEmbd), "
            + "intermediate \(c.ffnHidden), vocab \(c.vocabSize)"
    }
}
