import NumericCore

/// The Phi's registration: `--arch phi` and Hugging Face `model_type` "phi" directories
/// (Phi-1, Phi-1.5, Phi-2).
package enum PhiArchitecture: RegisteredArchitecture {
    package static let name = "phi"
    package static let summary =
        "Phi-1.5/Phi-2 (attention and GELU MLP side by side on one LayerNorm, partial rotary embeddings, biases, biased head)"
    package static let configTypes = [Checkpoint.phiModelType]
    package static let sizes = [
        NamedShape("phi-tiny", "2×32, vocab 40, block 16", PhiConfig.tiny),
        NamedShape("phi-1.5", "Phi-1.5's shape: 24×2048, 32 heads, MLP 8192, vocab 51200", PhiConfig.phi1_5),
    ]

    package static func loadCheckpoint(from directory: String) throws(ModelError) -> any CausalLanguageModel {
        let (config, parameters) = try Checkpoint.loadPhi(from: directory)
        return try Phi(config: config, parameters: parameters)
    }
}

extension PhiConfig: ModelShape {
    /// A Phi with Hugging Face's initialisation (`Phi.initializePhi`).
    package func initializedModel(rng: inout RNG) throws(ModelError) -> any CausalLanguageModel {
        let model = try Phi(config: self)
        model.initializePhi(rng: &rng)
        return model
    }
}
