import NumericCore

/// The Llama's registration: `--arch llama`, Hugging Face directories of `model_type` "llama",
/// "mistral" and "qwen2" (one engine: they differ only in biases and the sliding window, which
/// `LlamaConfig` carries, and each is saved back under its own `model_type`), and
/// llama-architecture GGUF files.
package enum LlamaArchitecture: RegisteredArchitecture {
    package static let name = "llama"
    package static let summary = "Llama (RMSNorm, rotary embeddings, grouped-query attention, SwiGLU MLP)"
    package static let configTypes = LlamaFamily.allCases.map(\.rawValue)
    package static let ggufArchitectures = ["llama"]
    package static let sizes = [
        NamedShape("llama-tiny", "2×32, vocab 40, block 16", LlamaConfig.tiny),
        NamedShape("smollm2-135m", "SmolLM2-135M's shape: 30×576, vocab 49152", LlamaConfig.smollm2_135m),
        NamedShape("smollm2", "the same as smollm2-135m", LlamaConfig.smollm2_135m),
        NamedShape("qwen2.5-0.5b", "Qwen2.5-0.5B's shape: 24×896, 14 heads on 2, vocab 151936", LlamaConfig.qwen25_05b),
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
