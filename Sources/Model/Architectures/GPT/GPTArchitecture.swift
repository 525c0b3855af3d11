import NumericCore

/// The GPT's registration: `--arch gpt`, Hugging Face GPT-2 directories (`"model_type": "gpt2"`) and
/// gscope's older GPT checkpoints (`"architecture": "gpt"`), and
/// the shapes the demo, the tests and the benchmarks build.
package enum GPTArchitecture: RegisteredArchitecture {
    package static let name = "gpt"
    package static let summary = "pre-LayerNorm GPT-2 (learned positions, GELU MLP, tied head)"
    package static let configTypes = [Checkpoint.gpt2ModelType, Checkpoint.architecture]
    package static let sizes = [
        NamedShape("tiny", "4×128, vocab 512", GPTConfig.tiny),
        NamedShape("small", "6×256, vocab 2048", GPTConfig.small),
        NamedShape("medium", "8×384, vocab 4096", GPTConfig.medium),
        NamedShape("markov", "4×128, vocab 10, block 32", GPTConfig.markov),
    ]

    package static func loadCheckpoint(from directory: String) throws(ModelError) -> any CausalLanguageModel {
        let (config, parameters) = try Checkpoint.load(from: directory)
        return try GPT(config: config, parameters: parameters)
    }
}

extension GPTConfig: ModelShape {
    /// `--n-layer`, `--n-head` and `--n-embd`.
    package func overriding(layers: Int?, heads: Int?, width: Int?) throws(ModelError) -> GPTConfig {
        var config = self
        if let layers { config.nLayer = layers }
        if let heads { config.nHead = heads }
        if let width { config.nEmbd = width }
        return config
    }

    /// A GPT with GPT-2's initialisation (`GPT.initializeGPT2`).
    package func initializedModel(rng: inout RNG) throws(ModelError) -> any CausalLanguageModel {
        let model = try GPT(config: self)
        model.initializeGPT2(rng: &rng)
        return model
    }
}
