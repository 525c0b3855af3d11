import Foundation

extension Checkpoint {
    /// The model at `path`, whatever its architecture: a `*.gguf` file (a llama-architecture
    /// model, dequantised; `LlamaGGUF`), or a checkpoint directory whose `config.json` names a
    /// GPT (`"architecture": "gpt"`) or a Llama (`"model_type": "llama"`).
    package static func loadModel(from path: String) throws(ModelError) -> any CausalLanguageModel {
        if path.hasSuffix(".gguf") { return try LlamaGGUF.load(path) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .checkpoint("\(path): no such checkpoint directory or .gguf file")
        }
        guard isDirectory.boolValue else {
            throw .checkpoint("\(path): not a checkpoint directory (holding \(configFile) and \(weightsFile)) or a .gguf file")
        }
        let header = try decodeConfig(ArchitectureHeader.self, from: path)
        switch (header.architecture, header.modelType) {
        case (let name?, _) where name == architecture:
            let (config, parameters) = try load(from: path)
            return try GPT(config: config, parameters: parameters)
        case (_, let type?) where type == llamaModelType:
            let (config, parameters) = try loadLlama(from: path)
            return try Llama(config: config, parameters: parameters)
        default:
            throw .checkpoint(
                "\(join(path, configFile)): names neither \"architecture\": \"\(architecture)\" nor \"model_type\": \"\(llamaModelType)\" (got \(header.architecture ?? header.modelType ?? "neither key"))"
            )
        }
    }
}
