/// GPT checkpoints: `config.json` is `{"architecture": "gpt", "block_size": …, "n_embd": …,
/// "n_head": …, "n_layer": …, "vocab_size": …}`, pretty-printed with sorted keys, exactly as
/// Python's `json.dumps(cfg, indent=2, sort_keys=True) + "\n"` writes it; the weights carry the
/// metadata `{"format": "pt", "gscope": "gpt"}`. The directory loads in PyTorch with
/// `notebooks-scripts/parity/gpt_torch.py`.
extension Checkpoint {
    package static let architecture = "gpt"
    package static let metadata = ["format": "pt", "gscope": "gpt"]

    /// Writes a GPT's `parameters` (the flat buffer in layout order) and `config` to `directory`
    /// (see `save(configJSON:…)`: atomic per file).
    package static func save(
        config: GPTConfig, parameters: UnsafeBufferPointer<Float>,
        to directory: String
    ) throws(ModelError) {
        try config.validate()
        try save(
            configJSON: configJSON(config), layout: config.parameterLayout(), parameters: parameters,
            metadata: metadata, describing: configDescription(config), to: directory)
    }

    /// `save` for a parameter array.
    package static func save(config: GPTConfig, parameters: [Float], to directory: String) throws(ModelError) {
        // A typed-throws closure cannot pass through `withUnsafeBufferPointer`, so capture the result.
        var failure: ModelError?
        parameters.withUnsafeBufferPointer { buffer in
            do throws(ModelError) {
                try save(config: config, parameters: buffer, to: directory)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Reads the GPT checkpoint in `directory`: its configuration and the flat parameter buffer in
    /// layout order.
    /// The sizes of `config.json` are checked against the weights file before anything the size
    /// of the model is built (`ClaimedSizes`).
    package static func load(from directory: String) throws(ModelError) -> (config: GPTConfig, parameters: [Float]) {
        let config = try decodeGPTConfig(from: directory)
        let path = join(directory, configFile)
        let weights = try readWeights(of: directory, claiming: config.claimedSizes(file: path)) { () throws(ModelError) in
            try validate(config, path: path)
        }
        let parameters = try loadParameters(
            layout: config.parameterLayout(), from: weights,
            describing: configDescription(config))
        return (config, parameters)
    }

    /// Reads and validates the GPT `config.json` of the checkpoint in `directory`.
    package static func readConfig(from directory: String) throws(ModelError) -> GPTConfig {
        let config = try decodeGPTConfig(from: directory)
        try validate(config, path: join(directory, configFile))
        return config
    }

    /// The configuration in `config.json` of `directory`, checked to be a GPT's, not yet validated.
    private static func decodeGPTConfig(from directory: String) throws(ModelError) -> GPTConfig {
        let file = try decodeConfig(GPTConfigFile.self, from: directory)
        guard file.architecture == architecture else {
            throw .checkpoint(
                "\(join(directory, configFile)): architecture is '\(file.architecture)', this loader reads '\(architecture)'")
        }
        return file.config
    }

    /// `config.validate()`, its error naming the file at `path`.
    private static func validate(_ config: GPTConfig, path: String) throws(ModelError) {
        do throws(ModelError) {
            try config.validate()
        } catch {
            throw .checkpoint("\(path): \(error)")
        }
    }

    /// The exact text of `config.json` for `config` (sorted keys, two-space indent, final newline).
    package static func configJSON(_ config: GPTConfig) -> String {
        prettyJSON([
            ("architecture", "\"\(architecture)\""), ("block_size", String(config.blockSize)),
            ("n_embd", String(config.nEmbd)), ("n_head", String(config.nHead)),
            ("n_layer", String(config.nLayer)), ("vocab_size", String(config.vocabSize)),
        ])
    }

    static func configDescription(_ c: GPTConfig) -> String {
        "n_layer \(c.nLayer), n_head \(c.nHead), n_embd \(c.nEmbd), vocab_size \(c.vocabSize), block_size \(c.blockSize)"
    }

    private struct GPTConfigFile: Decodable {
        let architecture: String
        let config: GPTConfig

        enum Keys: String, CodingKey { case architecture }

        init(from decoder: any Decoder) throws {
            architecture = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .architecture)
            config = try GPTConfig(from: decoder)
        }
    }
}
