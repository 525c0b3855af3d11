import NumericCore

/// The registration of SimNPO's reference Markov transformer: `--arch markov-reference` (train's
/// `--model markov-reference` too) and checkpoint directories whose `config.json` says
/// `"model_type": "markov-reference"`.
package enum MarkovReferenceArchitecture: RegisteredArchitecture {
    package static let name = "markov-reference"
    package static let summary =
        "SimNPO's Markov model (post-LayerNorm, one attention head over the width without biases or output projection, "
        + "ReLU MLP, learned positions, untied biased head, PyTorch's default initialisation)"
    package static let configTypes = [Checkpoint.markovReferenceModelType]
    package static let sizes = [
        NamedShape(
            "markov-reference", "4×128 post-LN, one head, vocab 10, block 19; 335,754 parameters",
            MarkovReferenceConfig.reference)
    ]

    package static func loadCheckpoint(from directory: String) throws(ModelError) -> any CausalLanguageModel {
        let (config, parameters) = try Checkpoint.loadMarkovReference(from: directory)
        return try MarkovReference(config: config, parameters: parameters)
    }
}

extension MarkovReferenceConfig: ModelShape {
    /// The model with PyTorch's default initialisation (`MarkovReference.initializePyTorchDefault`).
    package func initializedModel(rng: inout RNG) throws(ModelError) -> any CausalLanguageModel {
        let model = try MarkovReference(config: self)
        model.initializePyTorchDefault(rng: &rng)
        return model
    }
}
