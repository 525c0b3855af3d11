import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The Phi engine against Hugging Face's `PhiForCausalLM` (transformers 5.25, torch 2.13, float32,
/// eager attention), from the committed fixture that `notebooks-scripts/parity/phi_fixture.py`
/// wrote: a directory as `save_pretrained` left it (config.json, float32 model.safetensors), a
/// batch, the logits, the loss and every parameter gradient. Tolerances: logits relative 1e-5,
/// loss 1e-6, gradients relative norm error 1e-4 per tensor.
@Suite("Phi PyTorch parity")
struct PhiTorchParityTests {
    static let dir = FixturePaths.root + "/parity/phi"

    /// transformers' own directory loads through the registry as it is, with its configuration.
    static func load() throws -> Phi {
        let model = try #require(try Checkpoint.loadModel(from: Self.dir) as? Phi)
        let c = model.config
        // Grouped-query attention, half of each head rotating, a non-default base and ε are exercised.
        #expect(c.nKVHead < c.nHead && c.rotaryDim * 2 == c.headSize && c.ropeBase == 20_000 && c.layerNormEps == 1e-4)
        return model
    }

    @Test func logitsLossAndGradients() throws {
        let model = try Self.load()
        let reference = try SafetensorsFile.read(Self.dir + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        let B = shape[0], T = shape[1]
        let tokens = try reference.ints("tokens").map(Int32.init), targets = try reference.ints("targets").map(Int32.init)
        let mask = try reference.floats("mask")
        #expect(targets.contains(-1))

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
        print("Phi vs Hugging Face: logits \(logitErr), loss \(lossErr), worst gradient \(worst.name) \(worst.error)")
    }

    /// Greedy decoding with the cache on the transformers model gives the full forward's logits at
    /// every step (the fixture's weights, its batch's rows as prompts).
    @Test func cachedDecodingOfTheTransformersModel() throws {
        let model = try Self.load()
        let reference = try SafetensorsFile.read(Self.dir + "/reference.safetensors")
        let tokens = try reference.ints("tokens").map(Int32.init)
        let T = try reference.shape("tokens")[1]
        let prompts = [Array(tokens[0..<5]), Array(tokens[T..<(T + 2)]), Array(tokens[(2 * T)..<(2 * T + 9)])]
        try GenerationTests.checkAgainstFullRecompute(model, prompts: prompts, maxNewTokens: 6, stopToken: nil)
    }
}
