import Foundation

/// What a checkpoint directory holds, for `gscope model inspect DIR`: its `config.json` type and
/// the registered architecture that reads it, the sizes it declares, its weight files, tensors
/// and dtypes, whether the output head is tied, and whether gscope loads it (or the one-line
/// reason it does not). Reading the summary never fails on a bad checkpoint: what cannot be read
/// is reported.
package struct CheckpointSummary: Sendable {
    /// `model_type` (Hugging Face) or `architecture` (gscope's older GPT files), if present.
    package var configType: String?
    /// The registered architecture reading `configType` (`ArchitectureRegistry`), if any.
    package var architecture: String?
    /// The integer settings of `config.json` (sizes such as `n_embd` or `num_hidden_layers`,
    /// token ids left out), sorted by key.
    package var sizes: [(key: String, value: Int)] = []
    /// The weight files (one, or the shards), or why they cannot be read.
    package var weightFiles: [String] = []
    package var weightsProblem: String?
    package var tensorCount = 0
    /// Elements over every tensor of the files (buffers included).
    package var elementCount = 0
    package var dtypes: [(dtype: SafetensorsDType, tensors: Int)] = []
    /// Whether the head is tied: no `lm_head.weight` stored and `tie_word_embeddings` not false.
    package var tiedHead: Bool?
    /// The parameters of the loaded model, or nil when it does not load.
    package var parameterCount: Int?
    /// Why gscope cannot load the checkpoint (nil when it loads).
    package var loadProblem: String?

    /// The summary of the checkpoint in `directory`; loads the model to tell whether it loads.
    package static func of(directory: String) -> CheckpointSummary {
        var summary = CheckpointSummary()
        let configPath = Checkpoint.join(directory, Checkpoint.configFile)
        var tieSetting: Bool?
        if let data = FileManager.default.contents(atPath: configPath),
            let object = try? JSONDecoder().decode([String: ConfigValue].self, from: data)
        {
            summary.configType = object["model_type"]?.text ?? object["architecture"]?.text
            summary.architecture = summary.configType.flatMap { ArchitectureRegistry.reading(configType: $0)?.name }
            let notSizes = ["token_id", "pdrop", "dropout", "eps", "range", "theta"]
            for (key, value) in object where !notSizes.contains(where: key.contains) {
                if case .integer(let integer) = value { summary.sizes.append((key, integer)) }
            }
            summary.sizes.sort { $0.key < $1.key }
            if case .boolean(let tie) = object["tie_word_embeddings"] { tieSetting = tie }
        }
        do throws(ModelError) {
            let weights = try CheckpointWeights.read(directory: directory)
            summary.weightFiles = weights.files.map(\.path)
            summary.tensorCount = weights.tensorCount
            summary.elementCount = weights.elementCount
            summary.dtypes = weights.dtypeCounts
            summary.tiedHead = !weights.contains("lm_head.weight") && tieSetting != false
        } catch {
            summary.weightsProblem = "\(error)"
        }
        do throws(ModelError) {
            summary.parameterCount = try Checkpoint.loadModel(from: directory).parameterCount
        } catch {
            summary.loadProblem = "\(error)"
        }
        return summary
    }

    /// A top-level value of `config.json`, as far as the summary needs it.
    private enum ConfigValue: Decodable {
        case integer(Int), boolean(Bool), string(String), other

        var text: String? { if case .string(let s) = self { s } else { nil } }

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .boolean(b)
            } else if let i = try? c.decode(Int.self) {
                self = .integer(i)
            } else if let s = try? c.decode(String.self) {
                self = .string(s)
            } else {
                self = .other
            }
        }
    }
}
