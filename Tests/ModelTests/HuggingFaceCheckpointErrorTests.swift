import Foundation
import Model
import Testing
import TestSupport

/// Hugging Face directories gscope must refuse, or take, with a message naming the file: GPT-2
/// settings it does not compute, unexpected or duplicated tensors, the causal-mask buffers and a
/// tied `lm_head.weight` it skips, and broken shard sets.
@Suite("Hugging Face checkpoint errors")
struct HuggingFaceCheckpointErrorTests {
    static let fixture = FixturePaths.root + "/parity/gpt2/f32"

    /// The fixture's tensors (name, shape, floats) in file order.
    static func tensors() throws -> [(name: String, shape: [Int], floats: [Float])] {
        let file = try SafetensorsFile.read(fixture + "/model.safetensors")
        return try file.names.map { ($0, try file.shape($0), try file.floats($0)) }
    }

    static func config() throws -> String { try String(contentsOfFile: fixture + "/config.json", encoding: .utf8) }

    /// A checkpoint directory under a new temporary root with `config` and `files` (file name →
    /// tensors), and an optional shard index text.
    static func directory(
        config: String, files: [String: [(name: String, shape: [Int], floats: [Float])]], index: String? = nil
    ) throws -> String {
        let dir = NSTemporaryDirectory() + "gscope-hf-errors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try config.write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        for (file, tensors) in files {
            var writer = SafetensorsWriter()
            for t in tensors { writer.add(t.name, shape: t.shape, floats: t.floats) }
            try writer.write(to: dir + "/" + file, metadata: ["format": "pt"])
        }
        if let index { try index.write(toFile: dir + "/model.safetensors.index.json", atomically: false, encoding: .utf8) }
        return dir
    }

    static func expectError(
        _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            for fragment in fragments where !text.contains(fragment) {
                Issue.record("error '\(text)' does not mention '\(fragment)'", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: [
        ("\"activation_function\": \"gelu_new\"", "\"activation_function\": \"relu\"", "activation_function"),
        ("\"n_inner\": null", "\"n_inner\": 50", "n_inner"),
        ("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false", "tie_word_embeddings"),
        ("\"scale_attn_weights\": true", "\"scale_attn_weights\": false", "scale_attn_weights"),
        (
            "\"scale_attn_by_inverse_layer_idx\": false", "\"scale_attn_by_inverse_layer_idx\": true",
            "scale_attn_by_inverse_layer_idx"
        ),
        ("\"add_cross_attention\": false", "\"add_cross_attention\": true", "add_cross_attention"),
        ("\"layer_norm_epsilon\": 0.001", "\"layer_norm_epsilon\": -1", "layer_norm_epsilon"),
    ])
    func refusesGPT2Settings(original: String, replacement: String, key: String) throws {
        let config = try Self.config()
        #expect(config.contains(original))
        let dir = try Self.directory(
            config: config.replacingOccurrences(of: original, with: replacement), files: ["model.safetensors": Self.tensors()])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Self.expectError(dir + "/config.json", key) { _ = try Checkpoint.loadModel(from: dir) }
    }

    @Test func gpt2NamesWithoutPrefixBuffersAndTiedHead() throws {
        let reference = try Checkpoint.load(from: Self.fixture).parameters
        var tensors = try Self.tensors().map { (String($0.name.dropFirst("transformer.".count)), $0.shape, $0.floats) }
        // The causal-mask buffers of older GPT-2 files, and the tied head stored as a copy.
        tensors.append(("h.0.attn.bias", [1, 1, 16, 16], [Float](repeating: 1, count: 256)))
        tensors.append(("h.1.attn.masked_bias", [], [-1e4]))
        let wte = try #require(tensors.first { $0.0 == "wte.weight" })
        tensors.append(("lm_head.weight", wte.1, wte.2))
        let dir = try Self.directory(config: Self.config(), files: ["model.safetensors": tensors])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try Checkpoint.load(from: dir).parameters.map(\.bitPattern) == reference.map(\.bitPattern))

        // An lm_head.weight that differs from wte.weight is an untied head.
        tensors[tensors.count - 1].2[3] += 1
        let untied = try Self.directory(config: Self.config(), files: ["model.safetensors": tensors])
        defer { try? FileManager.default.removeItem(atPath: untied) }
        Self.expectError(untied + "/model.safetensors", "lm_head.weight differs") { _ = try Checkpoint.load(from: untied) }
    }

    @Test func unexpectedAndDuplicatedTensorsAreErrors() throws {
        var tensors = try Self.tensors()
        tensors.append(("transformer.h.0.attn.c_attn.extra", [2], [1, 2]))
        let extra = try Self.directory(config: Self.config(), files: ["model.safetensors": tensors])
        defer { try? FileManager.default.removeItem(atPath: extra) }
        Self.expectError("1 unexpected tensor(s)", "transformer.h.0.attn.c_attn.extra") { _ = try Checkpoint.load(from: extra) }

        tensors.removeLast()
        tensors.append(("wpe.weight", [16, 24], [Float](repeating: 0, count: 16 * 24)))   // also as transformer.wpe.weight
        let twice = try Self.directory(config: Self.config(), files: ["model.safetensors": tensors])
        defer { try? FileManager.default.removeItem(atPath: twice) }
        Self.expectError("'transformer.wpe.weight' and 'wpe.weight' both hold 'wpe.weight'") {
            _ = try Checkpoint.load(from: twice)
        }

        // A Conv1D weight in gscope's (out, in) orientation has the wrong shape for a gpt2 file.
        var wrong = try Self.tensors()
        let i = try #require(wrong.firstIndex { $0.name == "transformer.h.0.mlp.c_fc.weight" })
        wrong[i].shape = [96, 24]
        let shape = try Self.directory(config: Self.config(), files: ["model.safetensors": wrong])
        defer { try? FileManager.default.removeItem(atPath: shape) }
        Self.expectError(shape + "/model.safetensors", "'transformer.h.0.mlp.c_fc.weight' has shape [96, 24]", "[24, 96]") {
            _ = try Checkpoint.load(from: shape)
        }
    }

    /// Two shards and their index, with `edit` applied to (first shard, second shard, weight map).
    typealias Tensors = [(name: String, shape: [Int], floats: [Float])]

    static func shardedDirectory(
        edit: (inout Tensors, inout Tensors, inout [String: String]) -> Void = { _, _, _ in }
    ) throws -> String {
        let all = try tensors()
        var first = Array(all.prefix(all.count / 2)), second = Array(all.dropFirst(all.count / 2))
        var map: [String: String] = [:]
        for t in first { map[t.name] = "a.safetensors" }
        for t in second { map[t.name] = "b.safetensors" }
        edit(&first, &second, &map)
        let entries = map.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        return try directory(
            config: config(), files: ["a.safetensors": first, "b.safetensors": second],
            index: "{\"metadata\": {\"total_size\": 1}, \"weight_map\": {\(entries)}}")
    }

    @Test func shardSets() throws {
        let good = try Self.shardedDirectory()
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(
            try Checkpoint.load(from: good).parameters.map(\.bitPattern)
                == Checkpoint.load(from: Self.fixture).parameters.map(\.bitPattern))

        let missing = try Self.shardedDirectory()
        defer { try? FileManager.default.removeItem(atPath: missing) }
        try FileManager.default.removeItem(atPath: missing + "/b.safetensors")
        Self.expectError(missing + "/b.safetensors", "missing") { _ = try Checkpoint.load(from: missing) }

        let twice = try Self.shardedDirectory { first, second, _ in second.append(first[0]) }
        defer { try? FileManager.default.removeItem(atPath: twice) }
        Self.expectError(twice + "/b.safetensors", "is also stored in", twice + "/a.safetensors") {
            _ = try Checkpoint.load(from: twice)
        }

        let unlisted = try Self.shardedDirectory { _, second, _ in second.append(("transformer.stray", [1], [0])) }
        defer { try? FileManager.default.removeItem(atPath: unlisted) }
        Self.expectError(unlisted + "/b.safetensors", "'transformer.stray'", "does not list") {
            _ = try Checkpoint.load(from: unlisted)
        }

        let misplaced = try Self.shardedDirectory { first, _, map in map[first[0].name] = "b.safetensors" }
        defer { try? FileManager.default.removeItem(atPath: misplaced) }
        Self.expectError(misplaced + "/a.safetensors", "puts in b.safetensors") { _ = try Checkpoint.load(from: misplaced) }

        let absent = try Self.shardedDirectory { _, _, map in map["transformer.ghost"] = "b.safetensors" }
        defer { try? FileManager.default.removeItem(atPath: absent) }
        Self.expectError(absent + "/b.safetensors", "has no tensor 'transformer.ghost'") { _ = try Checkpoint.load(from: absent) }

        let escape = try Self.shardedDirectory { first, _, map in map[first[0].name] = "../a.safetensors" }
        defer { try? FileManager.default.removeItem(atPath: escape) }
        Self.expectError(escape + "/model.safetensors.index.json", "'../a.safetensors' is not a file name") {
            _ = try Checkpoint.load(from: escape)
        }

        let broken = try Self.shardedDirectory()
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let index = broken + "/model.safetensors.index.json"
        try "{\"weight_map\": {\"x\": 3}}".write(toFile: index, atomically: false, encoding: .utf8)
        Self.expectError(broken + "/model.safetensors.index.json", "weight_map") { _ = try Checkpoint.load(from: broken) }
        try "{\"weight_map\": ".write(toFile: broken + "/model.safetensors.index.json", atomically: false, encoding: .utf8)
        Self.expectError(broken + "/model.safetensors.index.json", "not valid JSON") { _ = try Checkpoint.load(from: broken) }
    }

    /// Sizes are checked against every shard together before anything is allocated: a config
    /// claiming more layers than all the shards hold tensors is refused naming config.json.
    @Test func claimedSizesAcrossShards() throws {
        let dir = try Self.shardedDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config().replacingOccurrences(of: "\"n_layer\": 2", with: "\"n_layer\": 1000000000")
            .write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        Self.expectError(dir + "/config.json", "n_layer is 1000000000", dir + "/model.safetensors.index.json") {
            _ = try Checkpoint.load(from: dir)
        }
    }
}
