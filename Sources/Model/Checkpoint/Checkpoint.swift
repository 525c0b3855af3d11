import Foundation
import GGUF
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint directory: `model.safetensors` (every tensor of the model's layout under its
/// name, F32, in layout order) beside `config.json` (the architecture and its sizes). The GPT
/// writes gscope's own configuration (`GPTCheckpoint.swift`); the Llama writes Hugging Face's,
/// so that `LlamaForCausalLM.from_pretrained(directory)` loads it (`LlamaCheckpoint.swift`).
/// `Checkpoint.loadModel(from:)` reads either, or a GGUF file.
package enum Checkpoint {
    package static let weightsFile = "model.safetensors"
    package static let configFile = "config.json"

    /// Writes `parameters` (the flat buffer in `layout` order) and the text `configJSON` to
    /// `directory`, creating it if needed and replacing an existing checkpoint there. Each file is
    /// written under a temporary name in `directory`, flushed, then renamed into place, so an
    /// interrupted save never leaves a half-written file under the final names.
    static func save(
        configJSON: String, layout: ParameterLayout, parameters: UnsafeBufferPointer<Float>,
        metadata: [String: String], describing description: String, to directory: String
    ) throws(ModelError) {
        guard parameters.count == layout.count else {
            throw .shapeMismatch(
                "\(directory): \(parameters.count) parameters given, configuration \(description) has \(layout.count)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite("\(directory): cannot create the directory (\(FileErrorText.cause(error)))")
        }

        var writer = SafetensorsWriter()
        for slot in layout.slots {
            writer.add(slot.name, shape: slot.shape, floats: UnsafeBufferPointer(rebasing: parameters[slot.range]))
        }
        let weightsPath = join(directory, weightsFile)
        let configPath = join(directory, configFile)
        let tag = ".tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let weightsTemp = join(directory, "." + weightsFile + tag)
        let configTemp = join(directory, "." + configFile + tag)
        defer {
            // Only left behind when something failed before the renames.
            unlink(weightsTemp)
            unlink(configTemp)
        }
        try writer.write(to: weightsTemp, metadata: metadata)
        try writeText(configJSON, to: configTemp)
        // Weights first: a load reads the config, then checks every tensor shape against it.
        try rename(weightsTemp, to: weightsPath)
        try rename(configTemp, to: configPath)
    }

    /// The weights file of the checkpoint in `directory`, with the sizes its `config.json` claims
    /// (`sizes`) checked against it before anything the size of the model is built
    /// (`ClaimedSizes.check`, which ends with `validate`, the configuration's own checks naming
    /// `config.json`). `loadParameters` then compares every tensor's shape before allocating.
    static func readWeights(
        of directory: String, claiming sizes: ClaimedSizes,
        validate: () throws(ModelError) -> Void
    ) throws(ModelError) -> SafetensorsFile {
        let file = try SafetensorsFile.read(join(directory, weightsFile))
        var elements = 0
        for name in file.names { elements += try file.info(name).count }   // ≤ the file's bytes
        try sizes.check(against: file.path, tensors: file.names.count, elements: elements, validate: validate)
        return file
    }

    /// The flat parameter buffer, in `layout` order, of the weights in `file` (read by
    /// `readWeights`, which checked the sizes). Every tensor of the layout must be present with its
    /// shape (any floating dtype converts); tensors the layout does not know are an error naming
    /// them.
    static func loadParameters(
        layout: ParameterLayout, from file: SafetensorsFile,
        describing description: String
    ) throws(ModelError) -> [Float] {
        let path = file.path

        let missing = layout.slots.map(\.name).filter { !file.contains($0) }
        let extra = file.names.filter { layout[$0] == nil }
        if !missing.isEmpty || !extra.isEmpty {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.count) tensor(s): \(list(missing))") }
            if !extra.isEmpty { problems.append("\(extra.count) unexpected tensor(s): \(list(extra))") }
            throw .checkpoint("\(path): does not match \(configFile) (\(description)): " + problems.joined(separator: "; "))
        }
        for slot in layout.slots {
            let shape = try file.shape(slot.name)
            guard shape == slot.shape else {
                throw .checkpoint(
                    "\(path): tensor '\(slot.name)' has shape \(shape), \(configFile) (\(description)) implies \(slot.shape)")
            }
        }

        var parameters = [Float](repeating: 0, count: layout.count)
        var failure: ModelError?
        parameters.withUnsafeMutableBufferPointer { buffer in
            for slot in layout.slots {
                do throws(ModelError) {
                    try file.floats(slot.name, into: UnsafeMutableBufferPointer(rebasing: buffer[slot.range]))
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        return parameters
    }

    /// Decodes `config.json` of the checkpoint in `directory` as `T`, with errors naming the file
    /// and the key.
    static func decodeConfig<T: Decodable>(_ type: T.Type, from directory: String) throws(ModelError) -> T {
        let path = join(directory, configFile)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .checkpoint("\(path): cannot read the checkpoint configuration (\(FileErrorText.cause(error)))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .checkpoint("\(path): missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .checkpoint(
                "\(path): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type (\(context.debugDescription))"
            )
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            guard let syntax = JSONSyntax.problem(in: data) else {
                throw .checkpoint("\(path): not a valid configuration (\(context.debugDescription))")
            }
            throw .checkpoint("\(path):\(syntax.position): not a valid configuration (not valid JSON: \(syntax.message))")
        } catch {
            throw .checkpoint("\(path): not a valid configuration (\(error))")
        }
    }

    /// A JSON object as Python's `json.dumps(obj, indent=2, sort_keys=True) + "\n"` writes it, for
    /// entries whose values are already JSON text (one line each).
    static func prettyJSON(_ entries: [(key: String, value: String)]) -> String {
        "{\n" + entries.sorted { $0.key < $1.key }.map { "  \"\($0.key)\": \($0.value)" }.joined(separator: ",\n") + "\n}\n"
    }

    static func list(_ names: [String], limit: Int = 8) -> String {
        let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > limit ? shown + ", … (\(names.count - limit) more)" : shown
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func writeText(_ text: String, to path: String) throws(ModelError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw .cannotWrite("\(path): \(FileErrorText.cause(error))")
        }
    }

    private static func rename(_ from: String, to: String) throws(ModelError) {
        #if canImport(Glibc)
        let status = Glibc.rename(from, to)
        #else
        let status = Darwin.rename(from, to)
        #endif
        guard status == 0 else {
            throw .cannotWrite("\(to): cannot move the temporary file into place (\(String(cString: strerror(errno))))")
        }
    }
}
