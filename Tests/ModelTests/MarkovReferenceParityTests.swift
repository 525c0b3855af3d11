import Foundation
import Model
import NumericCore
import Testing
import TestSupport

extension MarkovReference: FullForwardModel {}

/// The reference Markov model against PyTorch, from the committed fixture that
/// `notebooks-scripts/parity/markov_reference_fixture.py` wrote with the public code's module
/// written again (torch 2.13, float32): a gscope checkpoint of 3 blocks of 20 (the tensors under
/// the module's `state_dict` names), a Markov-shaped batch, the logits, the loss, every parameter
/// gradient, every block's output and the forward-mode derivative of the logits along a
/// direction. Tolerances: logits and hidden states relative 1e-5, loss 1e-6, gradients and the
/// derivative relative norm error 1e-4 per tensor.
@Suite("Reference Markov model PyTorch parity")
struct MarkovReferenceTorchParityTests {
    static let dir = FixturePaths.root + "/parity/markov-reference"

    /// The fixture's checkpoint loads through the registry as it is, with its configuration.
    static func load() throws -> MarkovReference {
        let model = try #require(try Checkpoint.loadModel(from: Self.dir) as? MarkovReference)
        #expect(model.config == MarkovReferenceConfig(nLayer: 3, nEmbd: 20, vocabSize: 10, blockSize: 19))
        // The script writes gscope's own config.json, byte for byte.
        let text = try String(contentsOfFile: Self.dir + "/config.json", encoding: .utf8)
        #expect(text == Checkpoint.markovReferenceConfigJSON(model.config))
        return model
    }

    @Test func logitsLossGradientsHiddenStatesAndForwardMode() throws {
        let model = try Self.load()
        let reference = try SafetensorsFile.read(Self.dir + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        let B = shape[0], T = shape[1]
        let tokens = try reference.ints("tokens").map(Int32.init), targets = try reference.ints("targets").map(Int32.init)
        let mask = try reference.floats("mask")
        #expect(targets.contains(-1) && T == 19)

        model.zeroGradients()
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
        let logitErr = relativeError(Array(model.logits), try reference.floats("logits").doubles)
        let torchLoss = try reference.doubles("loss")[0]
        let lossErr = abs(loss - torchLoss) / torchLoss
        #expect(logitErr < 1e-5)
        #expect(lossErr < 1e-6)
        var worstHidden = 0.0
        for l in 0..<model.blockCount {
            let err = relativeError(Array(model.hiddenState(afterBlock: l)), try reference.floats("hidden.\(l)").doubles)
            #expect(err < 1e-5, "block \(l): relative error \(err)")
            worstHidden = max(worstHidden, err)
        }

        let direction = try model.layout.slots.flatMap { try reference.floats("direction." + $0.name) }
        let jvp = model.directionalDerivative(along: direction)
        let jvpErr = relativeError(jvp.logits, try reference.floats("jvp.logits").doubles)
        #expect(jvpErr < 1e-4)

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
        print(
            "reference Markov model vs PyTorch: logits \(logitErr), loss \(lossErr), hidden (worst) \(worstHidden), "
                + "forward mode \(jvpErr), worst gradient \(worst.name) \(worst.error)")
    }

    /// Greedy decoding with the cache on the fixture's model gives the full forward's logits at
    /// every step (its batch's rows as prompts).
    @Test func cachedDecodingOfTheFixturesModel() throws {
        let model = try Self.load()
        let reference = try SafetensorsFile.read(Self.dir + "/reference.safetensors")
        let tokens = try reference.ints("tokens").map(Int32.init)
        let T = try reference.shape("tokens")[1]
        let prompts = [Array(tokens[0..<5]), Array(tokens[T..<(T + 2)]), Array(tokens[(2 * T)..<(2 * T + 9)])]
        try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 6, stopToken: nil)
    }
}

/// Checkpoints of the reference Markov model, read through `Checkpoint.loadModel`; sizes the
/// weights cannot hold are refused naming the file and the key; the frozen reference is a
/// forward-only copy; greedy decoding of the paper's size runs out of positions at 19.
@Suite("Reference Markov model checkpoints and decoding")
struct MarkovReferenceCheckpointTests {
    @Test func saveAndLoadGiveTheSameModel() throws {
        let model = try randomMarkovReference(MarkovReferenceGradientTests.odd, seed: 1)
        let dir = temporaryDirectory("markov-reference-checkpoint")
        try model.saveCheckpoint(to: dir)
        let loaded = try #require(try Checkpoint.loadModel(from: dir) as? MarkovReference)
        #expect(loaded.config == model.config)
        #expect(loaded.parameters.array == model.parameters.array)
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json")), as: UTF8.self)
        #expect(text == model.configurationJSON && text.contains("\"model_type\": \"markov-reference\""))
        let weights = try SafetensorsFile.read(dir + "/model.safetensors")
        #expect(Set(weights.names) == Set(model.layout.slots.map(\.name)))
        // `gscope model inspect`: the architecture, an untied head, the parameters.
        let summary = CheckpointSummary.of(directory: dir)
        #expect(summary.architecture == "markov-reference" && summary.tiedHead == false)
        #expect(summary.parameterCount == model.parameterCount && summary.loadProblem == nil)
        // The copy and the frozen reference.
        let copy = try model.copy()
        #expect(copy.parameters.array == model.parameters.array)
        try FrozenCopyTests.check(model, vocab: 7)
    }

    /// A config.json whose sizes do not fit the weights is refused before anything is built.
    @Test func sizesTheWeightsCannotHoldAreRefused() throws {
        let model = try randomMarkovReference(MarkovReferenceGradientTests.markovLike, seed: 2)
        for (key, value, says) in [
            ("n_layer", "1000000", "n_layer is 1000000"), ("n_embd", "100000000", "n_embd is 100000000"),
            ("n_layer", "3", "missing"), ("layer_norm_eps", "0", "layer_norm_eps"),
        ] {
            let dir = temporaryDirectory("markov-reference-bad")
            try model.saveCheckpoint(to: dir)
            let path = dir + "/config.json"
            var json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            json[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
            do {
                _ = try Checkpoint.loadModel(from: dir)
                Issue.record("\(key) \(value) was accepted")
            } catch {
                #expect("\(error)".contains(dir) && "\(error)".contains(says), "\(key): \(error)")
            }
        }
    }

    /// The paper's model with PyTorch's initialisation, rows of different lengths: decoding stops
    /// when a row fills the 19 positions (a prompt of 17 gets 3 tokens, the last from 19 positions).
    @Test func cachedDecodingMatchesFullRecompute() throws {
        var rng = RNG(seed: 3)
        let model = try #require(try MarkovReferenceConfig.reference.initializedModel(rng: &rng) as? MarkovReference)
        let prompts: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6], [9, 8, 7]]
        let results = try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 8, stopToken: nil)
        #expect(results.map(\.tokens.count) == [8, 8, 3, 8])
        #expect(results.map(\.finish) == [.maxNewTokens, .maxNewTokens, .blockSize, .maxNewTokens])
    }
}
