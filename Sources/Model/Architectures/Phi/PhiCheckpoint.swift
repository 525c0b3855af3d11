import Foundation

/// Phi checkpoints in Hugging Face's layout: the tensors under their transformers names with the
/// metadata `{"format": "pt", "gscope": "phi"}`, and a transformers `config.json` (`model_type`
/// "phi", `PhiForCausalLM`, the sizes under `PhiConfig`'s keys), so that
/// `PhiForCausalLM.from_pretrained(directory)` loads the directory as it is.
extension Checkpoint {
    package static let phiModelType = "phi"
    package static let phiMetadata = ["format": "pt", "gscope": "phi"]

    /// Writes a Phi's `parameters` (the flat buffer in layout order) and `config` to `directory`
    /// (atomic per file).
    package static func savePhi(
        config: PhiConfig, parameters: UnsafeBufferPointer<Float>,
        to directory: String
    ) throws(ModelError) {
        try config.validate()
        try save(
            configJSON: phiConfigJSON(config), layout: config.parameterLayout(), parameters: parameters,
            metadata: phiMetadata, describing: phiDescription(config), to: directory)
    }

    /// The keys of a Phi `config.json` that select a variant gscope does not compute.
    struct PhiVariantKeys: Decodable {
        let hiddenAct: String?
        let qkLayernorm: Bool?
        let tieWordEmbeddings: Bool?
        let headDim: Int?
        let ropeParameters: PhiConfig.RopeParameters?
        let ropeScaling: PhiConfig.RopeParameters?
        enum CodingKeys: String, CodingKey {
            case hiddenAct = "hidden_act", qkLayernorm = "qk_layernorm", tieWordEmbeddings = "tie_word_embeddings"
            case headDim = "head_dim", ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        }
    }

    /// Refuses the `config.json` keys of Phi variants gscope does not compute, rather than loading
    /// the weights and computing another model: an activation other than `gelu_new`, LayerNorms on
    /// the queries and keys (`qk_layernorm`), a head tied to the embedding, a `head_dim` other
    /// than `hidden_size / num_attention_heads`, and rotary scaling (a `rope_type` other than
    /// "default" in `rope_scaling` or `rope_parameters`).
    static func refuseUnsupportedPhiKeys(in directory: String, config: PhiConfig) throws(ModelError) {
        let path = join(directory, configFile)
        let keys = try decodeConfig(PhiVariantKeys.self, from: directory)
        func refuse(_ key: String, _ why: String) -> ModelError {
            .checkpoint("\(path): \(key): \(why); gscope does not compute this Phi variant, and would compute another model")
        }
        if let act = keys.hiddenAct, act != "gelu_new" {
            throw refuse("hidden_act", "'\(act)' is not gelu_new (GELU's tanh approximation)")
        }
        if keys.qkLayernorm == true { throw refuse("qk_layernorm", "the queries and keys are normalised") }
        if keys.tieWordEmbeddings == true { throw refuse("tie_word_embeddings", "the head is tied to the embedding") }
        if let headDim = keys.headDim, headDim * config.nHead != config.nEmbd {
            throw refuse("head_dim", "\(headDim) is not hidden_size / num_attention_heads = \(config.headSize)")
        }
        for (key, rope) in [("rope_scaling", keys.ropeScaling), ("rope_parameters", keys.ropeParameters)] {
            if let rope, let type = rope.ropeType ?? rope.type, type != "default" {
                throw refuse(key, "rotary-embedding scaling '\(type)' is set")
            }
        }
    }

    /// Reads the Phi checkpoint in `directory`: its configuration and the flat parameter buffer in
    /// layout order.
    package static func loadPhi(from directory: String) throws(ModelError) -> (config: PhiConfig, parameters: [Float]) {
        let path = join(directory, configFile)
        let header = try decodeConfig(ArchitectureHeader.self, from: directory)
        guard header.modelType == phiModelType else {
            throw .checkpoint("\(path): model_type is '\(header.modelType ?? "absent")', this loader reads '\(phiModelType)'")
        }
        let config = try decodeConfig(PhiConfig.self, from: directory)
        // The sizes are checked against the weights file before anything the size of the model is
        // built; then the configuration itself, and the variant keys gscope does not compute.
        let weights = try readWeights(of: directory, claiming: config.claimedSizes(file: path)) { () throws(ModelError) in
            do throws(ModelError) {
                try config.validate()
            } catch {
                throw .checkpoint("\(path): \(error)")
            }
            try refuseUnsupportedPhiKeys(in: directory, config: config)
        }
        let parameters = try loadParameters(layout: config.parameterLayout(), from: weights, describing: phiDescription(config))
        return (config, parameters)
    }

    /// The text of a transformers `config.json` for `config` (sorted keys, two-space indent). The
    /// rotary settings are written both in `rope_parameters` (transformers 5) and at the top level
    /// (`rope_theta`, `partial_rotary_factor`: transformers 4, and Phi-1.5's own files).
    package static func phiConfigJSON(_ c: PhiConfig) -> String {
        let rope =
            "{\"partial_rotary_factor\": \(c.partialRotaryFactor), \"rope_theta\": \(c.ropeBase), \"rope_type\": \"default\"}"
        return prettyJSON([
            ("architectures", "[\"PhiForCausalLM\"]"), ("model_type", "\"\(phiModelType)\""),
            ("hidden_act", "\"gelu_new\""), ("qk_layernorm", "false"), ("tie_word_embeddings", "false"),
            ("torch_dtype", "\"float32\""), ("attention_dropout", "0.0"), ("embd_pdrop", "0.0"), ("resid_pdrop", "0.0"),
            ("hidden_size", String(c.nEmbd)), ("intermediate_size", String(c.ffnHidden)),
            ("num_attention_heads", String(c.nHead)), ("num_key_value_heads", String(c.nKVHead)),
            ("num_hidden_layers", String(c.nLayer)), ("vocab_size", String(c.vocabSize)),
            ("max_position_embeddings", String(c.blockSize)), ("layer_norm_eps", "\(c.layerNormEps)"),
            ("rope_theta", "\(c.ropeBase)"), ("partial_rotary_factor", "\(c.partialRotaryFactor)"),
            ("rope_parameters", rope),
        ])
    }

    static func phiDescription(_ c: PhiConfig) -> String {
        "Phi: \(c.nLayer) layers, \(c.nHead) heads on \(c.nKVHead) key/value heads, hidden \(c.nEmbd), "
            + "intermediate \(c.ffnHidden), vocab \(c.vocabSize)"
    }
}
