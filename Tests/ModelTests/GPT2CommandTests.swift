import Datasets
import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The commands on Hugging Face GPT-2 directories, through the release binary: `gscope model
/// inspect DIR` (architecture, sizes, shards, dtypes, tied head, whether it loads and why not),
/// `gscope model convert`, and `gscope score` reading a gpt2 directory exactly as the same
/// weights in gscope's older layout.
@Suite("GPT-2 directories on the command line")
struct GPT2CommandTests {
    static let fixture = FixturePaths.root + "/parity/gpt2"

    @Test func inspectShowsAShardedDirectory() throws {
        let run = try runGscope(["model", "inspect", Self.fixture + "/sharded"])
        #expect(run.status == 0, "\(run.stderr)")
        for line in [
            "model_type:   \"gpt2\" (architecture gpt)", "n_embd 24, n_head 4, n_layer 2, n_positions 16, vocab_size 64",
            "weights:      2 shards: model-00001-of-00002.safetensors, model-00002-of-00002.safetensors",
            "tensors:      28, 16416 elements", "dtypes:       F32 (28 tensors)", "tied head:    yes",
            "parameters:   16416", "loads:        yes",
        ] {
            #expect(run.stdout.contains(line), "missing '\(line)' in:\n\(run.stdout)")
        }
        let bf16 = try runGscope(["model", "inspect", Self.fixture + "/bf16"])
        #expect(bf16.status == 0 && bf16.stdout.contains("dtypes:       BF16 (28 tensors)"), "\(bf16.stdout)")
    }

    @Test func inspectSaysWhyADirectoryDoesNotLoad() throws {
        let dir = NSTemporaryDirectory() + "gscope-inspect-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Self.fixture + "/f32", toPath: dir)
        let config = try String(contentsOfFile: dir + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: "\"gelu_new\"", with: "\"relu\"")
            .write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
        let run = try runGscope(["model", "inspect", dir])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("loads:        no: \(dir)/config.json: activation_function"), "\(run.stdout)")

        let neither = try runGscope(["model", "inspect", NSTemporaryDirectory()])
        #expect(neither.status == 2 && neither.stderr.contains("no config.json"), "\(neither.stderr)")
    }

    @Test func convertWritesWhatItRead() throws {
        let out = NSTemporaryDirectory() + "gscope-convert-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try runGscope(["model", "convert", Self.fixture + "/bf16", out])
        #expect(run.status == 0, "\(run.stderr)")
        let converted = try Checkpoint.load(from: out), original = try Checkpoint.load(from: Self.fixture + "/bf16")
        #expect(converted.parameters.map(\.bitPattern) == original.parameters.map(\.bitPattern))
        #expect(try SafetensorsFile.read(out + "/model.safetensors").dtype("transformer.wte.weight") == .f32)
    }

    /// `gscope score` on a gpt2 directory prints the same table as on the same weights in
    /// gscope's older layout.
    @Test func scoreReadsAGPT2Directory() throws {
        let root = NSTemporaryDirectory() + "gscope-score-gpt2-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = GPTConfig(nLayer: 1, nHead: 2, nEmbd: 16, vocabSize: ByteTokenizer().vocabSize, blockSize: 32)
        let model = try GPT(config: config)
        var rng = RNG(seed: 5)
        model.initializeGPT2(rng: &rng)
        try Checkpoint.save(config: config, parameters: model.parameters.array, to: root + "/gpt2")
        #expect(try String(contentsOfFile: root + "/gpt2/config.json", encoding: .utf8).contains("\"model_type\": \"gpt2\""))

        var writer = SafetensorsWriter()
        let values = model.parameters.array
        for slot in model.layout.slots { writer.add(slot.name, shape: slot.shape, floats: Array(values[slot.range])) }
        try FileManager.default.createDirectory(atPath: root + "/old", withIntermediateDirectories: true)
        try writer.write(to: root + "/old/model.safetensors", metadata: Checkpoint.metadata)
        try Checkpoint.gscopeConfigJSON(config).write(toFile: root + "/old/config.json", atomically: false, encoding: .utf8)

        let arguments = ["score", "--tokenizer", "byte", "--text", "Who wrote it?", "--json", "--threads", "1"]
        let gpt2 = try runGscope(arguments + ["--model", root + "/gpt2"])
        let old = try runGscope(arguments + ["--model", root + "/old"])
        #expect(gpt2.status == 0 && old.status == 0, "\(gpt2.stderr) \(old.stderr)")
        #expect(gpt2.stdout.contains("logprobs") && gpt2.stdout == old.stdout)
    }
}
