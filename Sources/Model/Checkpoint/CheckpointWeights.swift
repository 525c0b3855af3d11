import Foundation
import GGUF
import NumericCore

/// The weights of a checkpoint directory: one `model.safetensors`, or the shards that
/// `model.safetensors.index.json` lists (`{"metadata": {…}, "weight_map": {tensor: shard file}}`,
/// as transformers' `save_pretrained(max_shard_size=…)` writes them). Every file is read and
/// validated (`SafetensorsFile`) before any tensor is used; a tensor is looked up in the file that
/// holds it, so the loaders see one set of names whatever the number of files.
///
/// A single `model.safetensors` wins when both are present, as in transformers.
package struct CheckpointWeights: Sendable {
    package static let indexFile = "model.safetensors.index.json"

    /// The single weights file, or the index of the shards (for messages about the whole set).
    package let path: String
    /// The safetensors files, shards in name order (one file when unsharded).
    package let files: [SafetensorsFile]
    /// Tensor names in file order, each file's names in data order.
    package let names: [String]
    /// The file each tensor is in (an index into `files`).
    private let location: [String: Int]

    /// Reads the weights of the checkpoint in `directory`: `model.safetensors`, else the shards of
    /// `model.safetensors.index.json`. Errors name the file at fault: an index that is not JSON or
    /// lacks `weight_map`, a shard name that is not a plain file name, a missing or invalid shard,
    /// a tensor listed in one shard but stored in another or in none, a tensor stored in two
    /// shards, a tensor a shard holds that the index does not list.
    package static func read(directory: String) throws(ModelError) -> CheckpointWeights {
        let single = Checkpoint.join(directory, Checkpoint.weightsFile)
        let index = Checkpoint.join(directory, indexFile)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: single) || !fileManager.fileExists(atPath: index) {
            let file = try SafetensorsFile.read(single)
            return CheckpointWeights(single: file)
        }
        return try readShards(index: index, directory: directory)
    }

    /// The weights of one file.
    package init(single file: SafetensorsFile) {
        path = file.path
        files = [file]
        names = file.names
        location = Dictionary(uniqueKeysWithValues: file.names.map { ($0, 0) })
    }

    private init(path: String, files: [SafetensorsFile], names: [String], location: [String: Int]) {
        self.path = path
        self.files = files
        self.names = names
        self.location = location
    }

    /// The shards the index at `index` lists, each read and checked against it.
    private static func readShards(index: String, directory: String) throws(ModelError) -> CheckpointWeights {
        let weightMap = try ShardIndex.read(index).weightMap
        // Shards in name order (transformers numbers them: model-00001-of-00002.safetensors, …).
        let shardNames = Set(weightMap.values).sorted()
        guard !shardNames.isEmpty else { throw .checkpoint("\(index): weight_map lists no tensor") }
        var files: [SafetensorsFile] = []
        var names: [String] = []
        var location: [String: Int] = [:]
        for (number, shard) in shardNames.enumerated() {
            guard !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw .checkpoint("\(index): shard '\(shard)' is not a file name in the checkpoint directory")
            }
            let shardPath = Checkpoint.join(directory, shard)
            guard FileManager.default.fileExists(atPath: shardPath) else {
                throw .checkpoint("\(shardPath): missing: \(index) lists it as a shard of the weights")
            }
            let file = try SafetensorsFile.read(shardPath)
            for name in file.names {
                if let first = location[name] {
                    throw .checkpoint("\(shardPath): tensor '\(name)' is also stored in \(files[first].path)")
                }
                guard let listed = weightMap[name] else {
                    throw .checkpoint("\(shardPath): holds tensor '\(name)', which \(index) does not list")
                }
                guard listed == shard else {
                    throw .checkpoint("\(shardPath): holds tensor '\(name)', which \(index) puts in \(listed)")
                }
                location[name] = number
                names.append(name)
            }
            files.append(file)
        }
        for (name, shard) in weightMap.sorted(by: { $0.key < $1.key }) where location[name] == nil {
            throw .checkpoint(
                "\(Checkpoint.join(directory, shard)): has no tensor '\(name)', which \(index) puts there")
        }
        return CheckpointWeights(path: index, files: files, names: names, location: location)
    }

    // MARK: Queries (as `SafetensorsFile`'s, over every file)

    package func contains(_ name: String) -> Bool { location[name] != nil }

    /// The file that holds `name`.
    package func file(of name: String) throws(ModelError) -> SafetensorsFile {
        guard let number = location[name] else {
            throw .checkpoint(
                "\(path): no tensor named '\(name)' (the checkpoint holds \(names.count) tensors\(names.isEmpty ? "" : ", e.g. '\(names[0])'"))"
            )
        }
        return files[number]
    }

    /// The header entry of `name`.
    package func info(_ name: String) throws(ModelError) -> SafetensorsTensorInfo { try file(of: name).info(name) }
    package func shape(_ name: String) throws(ModelError) -> [Int] { try info(name).shape }
    package func dtype(_ name: String) throws(ModelError) -> SafetensorsDType { try info(name).dtype }

    /// The tensor as `Float`s, converted from F32, F64 (rounded), F16 or BF16.
    package func floats(_ name: String) throws(ModelError) -> [Float] { try file(of: name).floats(name) }

    /// Writes the tensor as `Float`s into `buffer`, whose count must equal the tensor's.
    package func floats(_ name: String, into buffer: UnsafeMutableBufferPointer<Float>) throws(ModelError) {
        try file(of: name).floats(name, into: buffer)
    }

    /// The number of tensors and of elements over every file (each file's elements are at most its
    /// bytes, so the sum cannot overflow).
    package var tensorCount: Int { names.count }
    package var elementCount: Int {
        files.reduce(0) { total, file in file.names.reduce(total) { $0 + ((try? file.info($1).count) ?? 0) } }
    }

    /// The dtypes of the tensors, with how many tensors have each, most frequent first.
    package var dtypeCounts: [(dtype: SafetensorsDType, tensors: Int)] {
        var counts: [SafetensorsDType: Int] = [:]
        for name in names { if let dtype = try? dtype(name) { counts[dtype, default: 0] += 1 } }
        return counts.sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }.map { ($0.key, $0.value) }
    }

    /// `model.safetensors.index.json`: only `weight_map` is read (`metadata.total_size` is
    /// informative; transformers does not check it either).
    private struct ShardIndex: Decodable {
        let weightMap: [String: String]
        enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }

        static func read(_ path: String) throws(ModelError) -> ShardIndex {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw .checkpoint("\(path): cannot read the shard index (\(FileErrorText.cause(error)))")
            }
            do {
                return try JSONDecoder().decode(ShardIndex.self, from: data)
            } catch DecodingError.keyNotFound(let key, _) {
                throw .checkpoint("\(path): missing key '\(key.stringValue)'")
            } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
                throw .checkpoint(
                    "\(path): '\(context.codingPath.map(\.stringValue).joined(separator: "."))' is not a map of tensor names to shard files"
                )
            } catch {
                if let syntax = JSONSyntax.problem(in: data) {
                    throw .checkpoint("\(path):\(syntax.position): not a valid shard index (not valid JSON: \(syntax.message))")
                }
                throw .checkpoint("\(path): not a valid shard index (a JSON object with \"weight_map\")")
            }
        }
    }
}
