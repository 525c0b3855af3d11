import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GPT checkpoint: a directory holding
///
/// - `model.safetensors`: every tensor of `config.parameterLayout()` under its name, F32,
///   in layout order, with metadata `{"format": "pt", "gscope": "gpt"}`;
/// - `config.json`: `{"architecture": "gpt", "block_size": …, "n_embd": …, "n_head": …,
///   "n_layer": …, "vocab_size": …}`, pretty-printed with sorted keys, exactly as Python's
///   `json.dumps(cfg, indent=2, sort_keys=True) + "\n"` writes it.
///
/// The same directory loads in PyTorch with `notebooks-scripts/parity/gpt_torch.py`.
public enum Checkpoint {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"
    public static let architecture = "gpt"
    public static let metadata = ["format": "pt", "gscope": "gpt"]

    /// Writes `parameters` (the flat buffer in layout order) and `config` to `directory`,
    /// creating it if needed and replacing an existing checkpoint there. Each file is written
    /// under a temporary name in `directory`, flushed, then renamed into place, so an interrupted
    /// save never leaves a half-written file under the final names.
    public static func save(config: GPTConfig, parameters: UnsafeBufferPointer<Float>,
                            to directory: String) throws(ModelError) {
        try config.validate()
        let layout = config.parameterLayout()
        guard parameters.count == layout.count else {
            throw .shapeMismatch("\(directory): \(parameters.count) parameters given, configuration \(configDescription(config)) has \(layout.count)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .checkpoint("\(directory): cannot create checkpoint directory (\(error.localizedDescription))")
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
        try writeText(configJSON(config), to: configTemp)
        // Weights first: `load` reads the config, then checks every tensor shape against it.
        try rename(weightsTemp, to: weightsPath)
        try rename(configTemp, to: configPath)
    }

    /// `save` for a parameter array.
    public static func save(config: GPTConfig, parameters: [Float], to directory: String) throws(ModelError) {
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

    /// Reads the checkpoint in `directory`: its configuration and the flat parameter buffer in
    /// layout order. Every tensor of the layout must be present with its shape (any floating
    /// dtype converts); tensors the layout does not know are an error naming them.
    public static func load(from directory: String) throws(ModelError) -> (config: GPTConfig, parameters: [Float]) {
        let config = try readConfig(from: directory)
        let layout = config.parameterLayout()
        let path = join(directory, weightsFile)
        let file = try SafetensorsFile.read(path)

        let missing = layout.slots.map(\.name).filter { !file.contains($0) }
        let extra = file.names.filter { layout[$0] == nil }
        if !missing.isEmpty || !extra.isEmpty {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.count) tensor(s): \(list(missing))") }
            if !extra.isEmpty { problems.append("\(extra.count) unexpected tensor(s): \(list(extra))") }
            throw .checkpoint("\(path): does not match \(configFile) (\(configDescription(config))): " + problems.joined(separator: "; "))
        }
        for slot in layout.slots {
            let shape = try file.shape(slot.name)
            guard shape == slot.shape else {
                throw .checkpoint("\(path): tensor '\(slot.name)' has shape \(shape), \(configFile) (\(configDescription(config))) implies \(slot.shape)")
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
        return (config, parameters)
    }

    /// Reads and validates `config.json` of the checkpoint in `directory`.
    public static func readConfig(from directory: String) throws(ModelError) -> GPTConfig {
        let path = join(directory, configFile)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .checkpoint("\(path): cannot read the checkpoint configuration (\(error.localizedDescription))")
        }
        let file: ConfigFile
        do {
            file = try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .checkpoint("\(path): missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .checkpoint("\(path): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type (\(context.debugDescription))")
        } catch {
            throw .checkpoint("\(path): not a valid configuration (\(error))")
        }
        guard file.architecture == architecture else {
            throw .checkpoint("\(path): architecture is '\(file.architecture)', this loader reads '\(architecture)'")
        }
        do throws(ModelError) {
            try file.config.validate()
        } catch {
            throw .checkpoint("\(path): \(error)")
        }
        return file.config
    }

    /// The exact text of `config.json` for `config` (sorted keys, two-space indent, final newline).
    public static func configJSON(_ config: GPTConfig) -> String {
        let entries: [(String, String)] = [
            ("architecture", "\"\(architecture)\""),
            ("block_size", String(config.blockSize)),
            ("n_embd", String(config.nEmbd)),
            ("n_head", String(config.nHead)),
            ("n_layer", String(config.nLayer)),
            ("vocab_size", String(config.vocabSize)),
        ]
        return "{\n" + entries.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }

    // MARK: Private

    private struct ConfigFile: Decodable {
        let architecture: String
        let config: GPTConfig

        enum Keys: String, CodingKey { case architecture }

        init(from decoder: any Decoder) throws {
            architecture = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .architecture)
            config = try GPTConfig(from: decoder)
        }
    }

    private static func configDescription(_ c: GPTConfig) -> String {
        "n_layer \(c.nLayer), n_head \(c.nHead), n_embd \(c.nEmbd), vocab_size \(c.vocabSize), block_size \(c.blockSize)"
    }

    private static func list(_ names: [String], limit: Int = 8) -> String {
        let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > limit ? shown + ", … (\(names.count - limit) more)" : shown
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func writeText(_ text: String, to path: String) throws(ModelError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw .checkpoint("\(path): cannot write (\(error.localizedDescription))")
        }
    }

    private static func rename(_ from: String, to: String) throws(ModelError) {
        #if canImport(Glibc)
        let status = Glibc.rename(from, to)
        #else
        let status = Darwin.rename(from, to)
        #endif
        guard status == 0 else {
            throw .checkpoint("\(to): cannot move the temporary file into place (\(String(cString: strerror(errno))))")
        }
    }
}
