import Foundation
import GGUF

/// Every architecture gscope computes. Adding one is a folder under `Architectures/` and a line
/// here; loading, saving, `gscope model inspect`, `score`, `generate`, `train`, `unlearn`, `eval`
/// and the benchmarks find it through this list.
package enum ArchitectureRegistry {
    package static var all: [any RegisteredArchitecture.Type] {
        [GPTArchitecture.self, LlamaArchitecture.self, PhiArchitecture.self, MarkovReferenceArchitecture.self]
    }

    /// The architecture `--arch name` names.
    package static func named(_ name: String) -> (any RegisteredArchitecture.Type)? {
        all.first { $0.name == name }
    }

    /// The architecture that loads a `config.json` of `model_type` (or gscope's `architecture`)
    /// `type`.
    package static func reading(configType type: String) -> (any RegisteredArchitecture.Type)? {
        all.first { $0.configTypes.contains(type) }
    }

    /// The architecture whose `--size` list holds `size`, with that shape.
    package static func size(named size: String) -> (architecture: any RegisteredArchitecture.Type, size: NamedShape)? {
        for architecture in all { if let shape = architecture.size(named: size) { return (architecture, shape) } }
        return nil
    }

    /// Every `config.json` type some architecture reads, for messages.
    package static var configTypes: [String] { all.flatMap { $0.configTypes } }
}

extension Checkpoint {
    /// The model at `path`, whatever its architecture: a checkpoint directory whose `config.json`
    /// names a registered `model_type` (or gscope's older `"architecture": "gpt"`), or a `*.gguf`
    /// file of a registered `general.architecture`, dequantised (`contextLength` caps a GGUF
    /// model's context).
    package static func loadModel(from path: String, contextLength: Int? = nil) throws(ModelError) -> any CausalLanguageModel {
        if path.hasSuffix(".gguf") { return try loadGGUF(from: path, contextLength: contextLength) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .checkpoint("\(path): no such checkpoint directory or .gguf file")
        }
        guard isDirectory.boolValue else {
            throw .checkpoint("\(path): not a checkpoint directory (holding \(configFile) and \(weightsFile)) or a .gguf file")
        }
        let header = try decodeConfig(ArchitectureHeader.self, from: path)
        guard let type = header.modelType ?? header.architecture else {
            throw .checkpoint(
                "\(join(path, configFile)): has no \"model_type\"; gscope reads \(ArchitectureRegistry.configTypes.joined(separator: ", "))"
            )
        }
        guard let architecture = ArchitectureRegistry.reading(configType: type) else {
            throw .checkpoint(
                "\(join(path, configFile)): model_type \"\(type)\" is not an architecture gscope computes (it reads \(ArchitectureRegistry.configTypes.joined(separator: ", ")))"
            )
        }
        return try architecture.loadCheckpoint(from: path)
    }

    /// The model in the GGUF file at `path`, by its `general.architecture`.
    private static func loadGGUF(from path: String, contextLength: Int?) throws(ModelError) -> any CausalLanguageModel {
        let name: String
        do {
            name = try GGUFFile(path: path).string("general.architecture")
        } catch {
            throw .checkpoint("\(error)")
        }
        guard let architecture = ArchitectureRegistry.all.first(where: { $0.ggufArchitectures.contains(name) }) else {
            let known = ArchitectureRegistry.all.flatMap { $0.ggufArchitectures }
            throw .checkpoint(
                "\(path): general.architecture is '\(name)'; gscope reads GGUF files of \(known.joined(separator: ", "))")
        }
        return try architecture.loadGGUF(from: path, contextLength: contextLength)
    }

    /// The keys of a `config.json` that tell the architectures apart: transformers writes
    /// `model_type`, gscope's older GPT checkpoints `architecture`.
    struct ArchitectureHeader: Decodable {
        let architecture: String?
        let modelType: String?
        enum CodingKeys: String, CodingKey { case architecture, modelType = "model_type" }
    }
}
