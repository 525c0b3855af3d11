import Foundation

/// Checkpoints of the reference Markov model: `model.safetensors` holding the tensors under the
/// public code's `state_dict` names (`MarkovReferenceConfig.parameterLayout`) with the metadata
/// `{"format": "pt", "gscope": "markov-reference"}`, so that the public code's
/// `TransformerModel.load_state_dict(safetensors.torch.load_file(...))` loads them as they are, and
/// a `config.json` with `"model_type": "markov-reference"` and the sizes under
/// `MarkovReferenceConfig`'s keys.
extension Checkpoint {
    package static let markovReferenceModelType = "markov-reference"
    package static let markovReferenceMetadata = ["format": "pt", "gscope": "markov-reference"]

    /// Writes the model's `parameters` (the flat buffer in layout order) and `config` to
    /// `directory` (atomic per file).
    package static func saveMarkovReference(
        config: MarkovReferenceConfig, parameters: UnsafeBufferPointer<Float>, to directory: String
    ) throws(ModelError) {
        try config.validate()
        try save(
            configJSON: markovReferenceConfigJSON(config), layout: config.parameterLayout(), parameters: parameters,
            metadata: markovReferenceMetadata, describing: markovReferenceDescription(config), to: directory)
    }

    /// Reads the reference Markov checkpoint in `directory`: its configuration and the flat
    /// parameter buffer in layout order. The sizes are checked against the weights file before
    /// anything the size of the model is built.
    package static func loadMarkovReference(from directory: String) throws(ModelError)
        -> (config: MarkovReferenceConfig, parameters: [Float])
    {
        let path = join(directory, configFile)
        let header = try decodeConfig(ArchitectureHeader.self, from: directory)
        guard header.modelType == markovReferenceModelType else {
            throw .checkpoint(
                "\(path): model_type is '\(header.modelType ?? "absent")', this loader reads '\(markovReferenceModelType)'")
        }
        let config = try decodeConfig(MarkovReferenceConfig.self, from: directory)
        let weights = try readWeights(of: directory, claiming: config.claimedSizes(file: path)) { () throws(ModelError) in
            do throws(ModelError) {
                try config.validate()
            } catch {
                throw .checkpoint("\(path): \(error)")
            }
        }
        let parameters = try loadParameters(
            layout: config.parameterLayout(), from: weights, describing: markovReferenceDescription(config))
        return (config, parameters)
    }

    /// The text of the model's `config.json` (sorted keys, two-space indent). The head is never
    /// tied (`tie_word_embeddings` false, the key tools such as `gscope model inspect` read).
    package static func markovReferenceConfigJSON(_ c: MarkovReferenceConfig) -> String {
        prettyJSON([
            ("model_type", "\"\(markovReferenceModelType)\""), ("n_layer", String(c.nLayer)), ("n_embd", String(c.nEmbd)),
            ("n_positions", String(c.blockSize)), ("vocab_size", String(c.vocabSize)),
            ("layer_norm_eps", "\(c.layerNormEps)"), ("tie_word_embeddings", "false"), ("torch_dtype", "\"float32\""),
        ])
    }

    static func markovReferenceDescription(_ c: MarkovReferenceConfig) -> String {
        "reference Markov transformer: \(c.nLayer) post-LN blocks of \(c.nEmbd), one head, "
            + "\(c.blockSize) positions, vocab \(c.vocabSize)"
    }
}
