import Foundation
import GGUF
import NumericCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint directory: `model.safetensors` (every tensor of the model's layout, F32, in
/// layout order, under the names and in the orientation its `TensorStorage` says) beside
/// `config.json` (the architecture and its sizes). Each architecture writes Hugging Face's
/// configuration and names, so that transformers' `from_pretrained(directory)` loads it
/// (`GPTCheckpoint.swift`, `LlamaCheckpoint.swift`). Reading also takes sharded weights
/// (`model.safetensors.index.json`) and F16, BF16 or F64 tensors (`CheckpointWeights`).
/// `Checkpoint.loadModel(from:)` reads any registered architecture, or a GGUF file.
package enum Checkpoint {
    package static let weightsFile = "model.safetensors"
    package static let configFile = "config.json"
    /// The `__metadata__` key of `model.safetensors` that records the kernels that computed the
    /// weights (`BLAS.kernels`).
    package static let kernelsMetadataKey = "gscope_kernels"

    /// Writes `parameters` (the flat buffer in `layout` order) and the text `configJSON` to
    /// `directory`, creating it if needed and replacing an existing checkpoint there. Each file is
    /// written under a temporary name in `directory`, flushed, then renamed into place, so an
    /// interrupted save never leaves a half-written file under the final names.
    static func save(
        configJSON: String, layout: ParameterLayout, parameters: UnsafeBufferPointer<Float>,
        metadata: [String: String], describing description: String, to directory: String,
        storage: TensorStorage = .asLaidOut
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
            let values = UnsafeBufferPointer(rebasing: parameters[slot.range])
            let name = storage.savedName(slot.name), shape = storage.storedShape(of: slot.name, slot.shape)
            if !storage.storesTransposed(slot.name, slot.shape) {
                writer.add(name, shape: shape, floats: values)
            } else {
                let transposed = [Float](unsafeUninitializedCapacity: values.count) { buffer, initialized in
                    TensorStorage.transpose(values, rows: slot.shape[0], columns: slot.shape[1], into: buffer)
                    initialized = values.count
                }
                writer.add(name, shape: shape, floats: transposed)
            }
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
        // Which kernels computed these weights ("OpenBLAS 0.3.21 Haswell (pinned)"; docs/kernels.md).
        try writer.write(to: weightsTemp, metadata: metadata.merging([kernelsMetadataKey: BLAS.kernels]) { _, new in new })
        try writeText(configJSON, to: configTemp)
        // Weights first: a load reads the config, then checks every tensor shape against it.
        try rename(weightsTemp, to: weightsPath)
        try rename(configTemp, to: configPath)
    }

    /// The weights of the checkpoint in `directory` (one file or every shard, all validated:
    /// `CheckpointWeights.read`), with the sizes its `config.json` claims (`sizes`) checked against
    /// the tensors and elements of all the files together before anything the size of the model is
    /// built (`ClaimedSizes.check`, which ends with `validate`, the configuration's own checks
    /// naming `config.json`). `loadParameters` then compares every tensor's shape before allocating.
    package static func readWeights(
        of directory: String, claiming sizes: ClaimedSizes,
        validate: () throws(ModelError) -> Void
    ) throws(ModelError) -> CheckpointWeights {
        let weights = try CheckpointWeights.read(directory: directory)
        try sizes.check(
            against: weights.path, tensors: weights.tensorCount, elements: weights.elementCount, validate: validate)
        return weights
    }

    /// The flat parameter buffer, in `layout` order, of `weights` (read by `readWeights`, which
    /// checked the sizes), stored as `storage` says. Every tensor of the layout must be present
    /// once with its (stored) shape (any floating dtype converts: F32 exactly, F16 and BF16
    /// widened exactly, F64 rounded); tensors the layout does not know are an error naming them,
    /// unless `storage` skips them.
    package static func loadParameters(
        layout: ParameterLayout, from weights: CheckpointWeights,
        describing description: String, storage: TensorStorage = .asLaidOut
    ) throws(ModelError) -> [Float] {
        let path = weights.path

        var stored: [String: String] = [:]   // layout name → file name
        var extra: [String] = []
        for name in weights.names where !storage.isIgnored(name) {
            guard let layoutName = storage.layoutName(name), layout[layoutName] != nil else {
                extra.append(name)
                continue
            }
            if let other = stored[layoutName] {
                throw .checkpoint("\(path): tensors '\(other)' and '\(name)' both hold '\(layoutName)'")
            }
            stored[layoutName] = name
        }
        let missing = layout.slots.map(\.name).filter { stored[$0] == nil }.map(storage.savedName)
        if !missing.isEmpty || !extra.isEmpty {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.count) tensor(s): \(list(missing))") }
            if !extra.isEmpty { problems.append("\(extra.count) unexpected tensor(s): \(list(extra))") }
            throw .checkpoint("\(path): does not match \(configFile) (\(description)): " + problems.joined(separator: "; "))
        }
        for slot in layout.slots {
            let name = stored[slot.name]!
            let shape = try weights.shape(name), expected = storage.storedShape(of: slot.name, slot.shape)
            guard shape == expected else {
                throw .checkpoint(
                    "\(try weights.file(of: name).path): tensor '\(name)' has shape \(shape), \(configFile) (\(description)) implies \(expected)"
                )
            }
        }

        var parameters = [Float](repeating: 0, count: layout.count)
        var failure: ModelError?
        parameters.withUnsafeMutableBufferPointer { buffer in
            for slot in layout.slots {
                do throws(ModelError) {
                    let name = stored[slot.name]!, destination = UnsafeMutableBufferPointer(rebasing: buffer[slot.range])
                    if !storage.storesTransposed(slot.name, slot.shape) {
                        try weights.floats(name, into: destination)
                    } else {
                        try weights.floats(name).withUnsafeBufferPointer { values in
                            // Stored (columns, rows): transposing it back gives the (rows, columns) slot.
                            TensorStorage.transpose(values, rows: slot.shape[1], columns: slot.shape[0], into: destination)
                        }
                    }
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
