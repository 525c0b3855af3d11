import NumericCore

/// The Llama's registration: `--arch llama`, Hugging Face `model_type` "llama" directories and
/// llama-architecture GGUF files.
package enum LlamaArchitecture: RegisteredArchitecture {
    package static let name = "llama"
    package static let summary = "Llama (RMSNorm, rotary embeddings, grouped-query attention, SwiGLU MLP)"
    package static let configTypes = [Checkpoint.llamaModelType]
    package static let ggufArchitectures = ["llama"]
    package static let sizes = [
        NamedShape("llama-tiny", "2×32, vocab 40, block 16", LlamaConfig.tiny),
        NamedShape("smollm2-135m", "SmolLM2-135M's shape: 30×576, vocab 49152", LlamaConfig.smollm2_135m),
        NamedShape("smollm2", "the same as smollm2-135m", LlamaConfig.smollm2_135m),
    ]

    package static func loadCheckpoint(from directory: String) throws(ModelError) -> any CausalLanguageModel {
        let (config, parameters) = try Checkpoint.loadLlama(from: directory)
        return try Llama(config: config, parameters: parameters)
    }

    package static func loadGGUF(from path: String, contextLength: Int?) throws(ModelError) -> any CausalLanguageModel {
        try LlamaGGUF.load(path, contextLength: contextLength)
    }
}

extension LlamaConfig: ModelShape {
    /// A Llama with Hugging Face's initialisation (`Llama.initializeLlama`).
    package func initializedModel(rng: inout RNG) throws(ModelError) -> any CausalLanguageModel {
        let model = try Llama(config: self)
        model.initializeLlama(rng: &rng)
        return model
    }
}
