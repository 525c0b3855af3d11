import Foundation
import Model
import Testing
import TestSupport

/// Sizes read from `config.json` or GGUF metadata are checked, with overflow-checked arithmetic,
/// against the weights in the file before any layout or buffer exists (issue 15, finding 5). On
/// the code before, these files hung building a layout of 10⁹ blocks, trapped on an integer
/// overflow in `ParameterLayout` or died failing to allocate.
@Suite struct ClaimedSizesTests {
    /// The overflow-checked count is the layout's, for every registered size and an untied head.
    @Test func theCheckedCountIsTheLayoutsCount() {
        var untied = LlamaConfig.tiny
        untied.tiedEmbeddings = false
        let shapes: [any ModelShape] = ArchitectureRegistry.all.flatMap { $0.sizes.map(\.shape) } + [untied]
        for shape in shapes {
            #expect(shape.checkedParameterCount.value == shape.parameterLayout().count, "\(shape)")
        }
    }

    @Test func checkedCountsSayNilOnOverflow() {
        let big = CheckedCount(Int.max / 2)
        #expect((big * 3).value == nil && (big + big + big).value == nil && ((big * 3) + 1).value == nil)
        #expect((CheckedCount(6) * 7 + 1).value == 43)
    }

    /// A configuration whose parameter count overflows is invalid (it used to pass and trap later).
    @Test func anOverflowingConfigurationIsInvalid() {
        let gpt = GPTConfig(nLayer: 4, nHead: 1, nEmbd: 1 << 31, vocabSize: 1 << 31, blockSize: 16)
        #expect(throws: ModelError.self) { try gpt.validate() }
        var llama = LlamaConfig.tiny
        llama.ffnHidden = 1 << 62
        #expect(throws: ModelError.self) { try llama.validate() }
    }

    /// A small GPT checkpoint whose `config.json` is then edited: `key` set to `value`.
    static func gptCheckpoint(_ key: String, _ value: Int) throws -> String {
        let dir = temporaryDirectory("claimed-gpt")
        let config = GPTConfig(nLayer: 1, nHead: 2, nEmbd: 8, vocabSize: 16, blockSize: 4)
        try Checkpoint.save(config: config, parameters: [Float](repeating: 0.5, count: config.parameterLayout().count), to: dir)
        try edit(dir + "/config.json", key, value)
        return dir
    }

    static func edit(_ path: String, _ key: String, _ value: Int) throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        json[key] = value
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
    }

    /// `body` throws a `ModelError` whose text holds every fragment.
    static func expectRefusal(
        _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected a refusal mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            let text = "\(error)"
            #expect(error is ModelError, "\(text)", sourceLocation: sourceLocation)
            for f in fragments { #expect(text.contains(f), "'\(text)' lacks '\(f)'", sourceLocation: sourceLocation) }
        }
    }

    @Test func aGPTConfigClaimingTooMuchIsRefusedNamingTheKey() throws {
        for (key, value) in [("n_layer", 1_000_000_000), ("n_embd", 1 << 31), ("vocab_size", 1 << 40), ("n_positions", 1 << 40)] {
            let dir = try Self.gptCheckpoint(key, value)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            Self.expectRefusal(dir + "/config.json", "\(key) is \(value)") { _ = try Checkpoint.load(from: dir) }
            Self.expectRefusal(dir + "/config.json", key) { _ = try Checkpoint.loadModel(from: dir) }
        }
        // Every size alone fits in the file, together they make far more parameters than it holds:
        // the shapes are compared before the buffer is allocated.
        let dir = try Self.gptCheckpoint("n_embd", 1000)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        Self.expectRefusal("'transformer.wte.weight' has shape [16, 8]", "config.json", "implies [16, 1000]") {
            _ = try Checkpoint.load(from: dir)
        }
    }

    @Test func aLlamaConfigClaimingTooMuchIsRefusedNamingTheKey() throws {
        for (key, value) in [("num_hidden_layers", 1_000_000_000), ("hidden_size", 1 << 31), ("intermediate_size", 1 << 40)] {
            let dir = temporaryDirectory("claimed-llama")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Llama(config: .tiny).saveCheckpoint(to: dir)
            try Self.edit(dir + "/config.json", key, value)
            Self.expectRefusal(dir + "/config.json", "\(key) is \(value)") { _ = try Checkpoint.loadLlama(from: dir) }
        }
    }

    /// GGUF metadata is checked the same way, under its own keys (the file test is in GGUFTests,
    /// through the binary).
    @Test func ggufKeysAreNamed() {
        var config = LlamaConfig.tiny
        config.nLayer = 1_000_000_000
        let layers = config.claimedSizes(file: "m.gguf", keys: .gguf)
        do {
            try layers.check(against: "the tensor table", tensors: 21, elements: 10_000) { () throws(ModelError) in }
            Issue.record("10⁹ blocks in 21 tensors passed")
        } catch {
            #expect(
                "\(error)" == "m.gguf: llama.block_count is 1000000000, which needs 9000000002 tensors; the tensor table has 21")
        }
        config = .tiny
        config.ffnHidden = 1 << 40
        #expect(
            throws: ModelError.checkpoint(
                "m.gguf: llama.feed_forward_length is \(1 << 40), more than the 10000 weights the tensor table holds in all")
        ) {
            try config.claimedSizes(file: "m.gguf", keys: .gguf)
                .check(against: "the tensor table", tensors: 21, elements: 10_000) { () throws(ModelError) in }
        }
        // A loader that allocates before matching tensors (GGUF's) checks the total too.
        config = .tiny
        config.nEmbd = 64
        let total = config.checkedParameterCount.value!
        let sizes = config.claimedSizes(file: "m.gguf", keys: .gguf)
        #expect(throws: Never.self) { try sizes.checkParameterCount(against: "the tensor table", elements: total) }
        #expect(
            throws: ModelError.checkpoint(
                "m.gguf: the sizes (the rows of token_embd.weight 40, llama.embedding_length 64, "
                    + "llama.feed_forward_length 48, llama.block_count 2) make \(total) parameters; "
                    + "the tensor table holds 10000 weights")
        ) {
            try sizes.checkParameterCount(against: "the tensor table", elements: 10_000)
        }
    }
}
