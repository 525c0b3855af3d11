import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The Llama engine on Hugging Face directories that transformers 5.25 (torch 2.13, float32, eager
/// attention) wrote with `save_pretrained`, from `notebooks-scripts/parity/llama_family_fixture.py`:
/// `llama3` (rope_scaling llama3, head_dim 12 ≠ 32/4, attention_bias and mlp_bias, untied head),
/// `mistral` (sliding_window 12, the batch's length), `qwen2` (q/k/v biases, RoPE base 1e6, tied),
/// `llama-linear` (rope_scaling linear). Each is loaded by `Checkpoint.loadModel` as a downloaded
/// checkpoint would be; logits relative 1e-5, loss relative 1e-6, every gradient relative 1e-4 per
/// tensor; cached greedy decoding equals the full forward; a re-saved directory keeps its
/// `model_type` and keys.
@Suite("Llama family (llama 3, mistral, qwen2) transformers parity")
struct LlamaFamilyParityTests {
    static let names = ["llama3", "mistral", "qwen2", "llama-linear"]

    static func directory(_ name: String) -> String { FixturePaths.root + "/parity/" + name }

    static func load(_ name: String) throws -> Llama {
        try #require(try Checkpoint.loadModel(from: directory(name)) as? Llama)
    }

    /// What each fixture must have made of its config.json.
    static func expectShape(_ name: String, _ c: LlamaConfig) {
        switch name {
        case "llama3":
            #expect(c.modelType == .llama && c.headDim == 12 && c.qDim == 48 && !c.tiedEmbeddings)
            #expect(c.qkvBias && c.outputBias && c.mlpBias)
            #expect(
                c.ropeScaling == .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 64))
        case "mistral":
            #expect(c.modelType == .mistral && c.slidingWindow == 12 && c.contextLength == 12 && !c.hasBiases)
        case "qwen2":
            #expect(c.modelType == .qwen2 && c.qkvBias && !c.outputBias && !c.mlpBias && c.tiedEmbeddings)
            #expect(c.ropeBase == 1_000_000 && c.slidingWindow == nil)
        default:
            #expect(c.ropeScaling == .linear(factor: 4) && c.tiedEmbeddings && !c.hasBiases)
        }
    }

    @Test(arguments: names)
    func logitsLossAndGradients(_ name: String) throws {
        let model = try Self.load(name)
        Self.expectShape(name, model.config)
        let reference = try SafetensorsFile.read(Self.directory(name) + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        let B = shape[0], T = shape[1]
        let tokens = try reference.ints("tokens").map(Int32.init), targets = try reference.ints("targets").map(Int32.init)
        let mask = try reference.floats("mask")

        model.zeroGradients()
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
        let logitErr = relativeError(Array(model.logits), try reference.floats("logits").doubles)
        let torchLoss = try reference.doubles("loss")[0]
        let lossErr = abs(loss - torchLoss) / torchLoss
        #expect(logitErr < 1e-5)
        #expect(lossErr < 1e-6)

        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: d)
        model.backward(logitGradient: d)
        let grads = model.gradients.array
        var worst = (name: "", error: 0.0)
        for slot in model.layout.slots {
            let torch = try reference.floats("grad." + slot.name).doubles
            let err = relativeError(Array(grads[slot.range]), torch)
            #expect(err < 1e-4, "\(slot.name): relative error \(err)")
            if err > worst.error { worst = (slot.name, err) }
        }
        print("\(name) vs transformers: logits \(logitErr), loss \(lossErr), worst gradient \(worst.name) \(worst.error)")
    }

    /// Greedy decoding through the key/value cache gives, token after token, the full forward's
    /// logits at each position of the fixture's first sequence.
    @Test(arguments: names)
    func cachedDecodingEqualsForward(_ name: String) throws {
        let model = try Self.load(name)
        let reference = try SafetensorsFile.read(Self.directory(name) + "/reference.safetensors")
        let T = try reference.shape("tokens")[1], V = model.config.vocabSize
        let sequence = Array(try reference.ints("tokens").map(Int32.init)[0..<T])
        let full = try LlamaGenerationTests.fullForwardLogits(model, [sequence])[0]
        let decoder = try LlamaIncrementalForward(model: model, rows: 1)
        var worst = 0.0
        for t in 0..<T {
            let logits = try decoder.extend(rows: [0], with: [[sequence[t]]])
            let err = relativeError(Array(logits), Array(full[(t * V)..<((t + 1) * V)]).doubles)
            worst = max(worst, err)
        }
        #expect(worst < 1e-5, "\(name): cached decoding vs forward, worst position \(worst)")
        print("\(name): cached decoding vs full forward, worst relative error \(worst)")
    }

    /// Mistral's window is 12: a 13-token sequence is refused by the forward pass and by decoding,
    /// naming the window, rather than computed with full attention.
    @Test func longerThanTheSlidingWindowIsRefused() throws {
        let model = try Self.load("mistral")
        let T = 13
        #expect {
            try model.forward(
                tokens: [Int32](repeating: 1, count: T), targets: [Int32](repeating: 1, count: T),
                mask: [Float](repeating: 1, count: T), batch: 1, seq: T)
        } throws: { "\($0)".contains("exceeds the sliding window 12 of this mistral model (sliding_window)") }
        let decoder = try LlamaIncrementalForward(model: model, rows: 1)
        _ = try decoder.extend(rows: [0], with: [[Int32](repeating: 1, count: 12)])
        #expect { try decoder.extend(rows: [0], with: [[1]]) } throws: { "\($0)".contains("sliding window 12") }
        #expect(throws: ModelError.self) { try LlamaIncrementalForward(model: model, rows: 1, maxLength: 13) }
    }

    /// A loaded fixture saved again reads back as the same configuration and parameters, under its
    /// own model_type, class and keys; with `GSCOPE_PARITY_EXPORT` set, the directories are written
    /// there for the fixture script to load with transformers (`--check-saved`).
    @Test func savedDirectories() throws {
        let export = ProcessInfo.processInfo.environment["GSCOPE_PARITY_EXPORT"]
        for name in Self.names {
            let model = try Self.load(name)
            let dir = export.map { $0 + "/" + name } ?? temporaryDirectory("llama-family-\(name)")
            try model.saveCheckpoint(to: dir)
            let again = try #require(try Checkpoint.loadModel(from: dir) as? Llama)
            #expect(again.config == model.config, "\(name)")
            #expect(again.parameters.array == model.parameters.array, "\(name)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json")))
                    as? [String: Any])
            let original = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: URL(fileURLWithPath: Self.directory(name) + "/config.json"))) as? [String: Any])
            #expect(json["model_type"] as? String == original["model_type"] as? String)
            #expect(json["architectures"] as? [String] == original["architectures"] as? [String])
        }
    }

    /// A tiny SmolLM2-shaped GGUF and the Hugging Face directory transformers exported from it
    /// (`notebooks-scripts/parity/smollm2_gguf_hf_fixture.py`): the GGUF path and the Hugging Face
    /// path give the same log-probabilities (≤ 1e-5), and the logits transformers computes.
    @Test func smolLM2GGUFAndItsExportAgree() throws {
        let dir = Self.directory("smollm2-gguf-hf")
        let fromGGUF = try #require(try Checkpoint.loadModel(from: dir + "/model.gguf") as? Llama)
        let fromHF = try #require(try Checkpoint.loadModel(from: dir) as? Llama)
        #expect(fromHF.config.nLayer == fromGGUF.config.nLayer && fromHF.config.tiedEmbeddings)
        let reference = try SafetensorsFile.read(dir + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        let B = shape[0], T = shape[1], V = fromHF.config.vocabSize
        let tokens = try reference.ints("tokens").map(Int32.init)
        // Every next token as a target: the log-probabilities of the sequences themselves.
        var targets = [Int32](repeating: -1, count: B * T)
        for n in 0..<(B * T) where n % T < T - 1 { targets[n] = tokens[n + 1] }
        let mask = targets.map { $0 < 0 ? Float(0) : 1 }
        var logProbs: [[Float]] = [], logits: [[Float]] = []
        for model in [fromGGUF, fromHF] {
            try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
            logProbs.append(Array(model.targetLogProbs))
            logits.append(Array(model.logits))
        }
        let worst = zip(logProbs[0], logProbs[1]).map { abs(Double($0) - Double($1)) }.max() ?? 0
        #expect(worst <= 1e-5, "GGUF vs Hugging Face log-probabilities: largest difference \(worst)")
        let torch = try reference.floats("logits").doubles
        #expect(relativeError(logits[1], torch) < 1e-5)
        #expect(relativeError(logits[0], torch) < 1e-5)
        #expect(logits[0].count == B * T * V)
        print("SmolLM2-shaped GGUF vs its transformers export: log-prob largest difference \(worst)")
    }

    /// One registration reads the three model types; `--size qwen2.5-0.5b` is Qwen2.5-0.5B's shape.
    @Test func registrationAndTheQwenShape() throws {
        for type in ["llama", "mistral", "qwen2"] {
            #expect(ArchitectureRegistry.reading(configType: type)?.name == LlamaArchitecture.name, "\(type)")
        }
        let (architecture, size) = try #require(ArchitectureRegistry.size(named: "qwen2.5-0.5b"))
        #expect(architecture.name == LlamaArchitecture.name)
        let config = try #require(size.shape as? LlamaConfig)
        #expect(config.checkedParameterCount.value == 494_032_768)
        #expect(config.modelType == .qwen2 && config.qkvBias && config.headSize == 64 && config.tiedEmbeddings)
        #expect(config.parameterLayout().count == 494_032_768)
    }

    /// Another rotary type, another activation, and an unknown model type are refused naming
    /// config.json and the key.
    @Test(arguments: [
        (#""rope_scaling": {"rope_type": "dynamic", "factor": 2.0}"#, "rope_scaling: rope_type 'dynamic'"),
        (#""rope_scaling": {"type": "yarn", "factor": 2.0}"#, "rope_scaling: rope_type 'yarn'"),
        (#""rope_parameters": {"rope_type": "longrope", "rope_theta": 10000.0}"#, "rope_parameters: rope_type 'longrope'"),
        (#""rope_scaling": {"rope_type": "llama3", "factor": 8.0}"#, "rope_scaling: the llama3 rotary scaling has no"),
        (#""hidden_act": "gelu""#, "hidden_act: 'gelu'"),
    ])
    func unsupportedKeysAreRefused(_ extra: String, _ message: String) throws {
        let dir = try LlamaVariantKeysTests.checkpoint(with: extra, label: "family-refused")
        #expect { try Checkpoint.loadModel(from: dir) } throws: { "\($0)".contains(dir + "/config.json: " + message) }
    }
}
