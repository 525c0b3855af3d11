import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The Llama engine against Hugging Face's `LlamaForCausalLM` (transformers 5.24, torch 2.13,
/// float32, eager attention), from the committed fixture that
/// `notebooks-scripts/parity/llama_fixture.py` wrote: the same parameters (by their Hugging Face
/// names), batch, logits, loss and every parameter gradient. Tolerances: logits and loss
/// relative 1e-5, gradients relative norm error 1e-4 per tensor.
@Suite("Llama PyTorch parity")
struct LlamaTorchParityTests {
    static let dir = FixturePaths.parityLlama

    @Test func logitsLossAndGradients() throws {
        let config = try JSONDecoder().decode(
            LlamaConfig.self,
            from: Data(contentsOf: URL(fileURLWithPath: Self.dir + "/config.json")))
        #expect(config.nKVHead < config.nHead && config.tiedEmbeddings)   // GQA and a tied head are exercised
        let weights = try SafetensorsFile.read(Self.dir + "/model.safetensors")
        let model = try Llama(config: config)
        #expect(Set(weights.names) == Set(model.layout.slots.map(\.name)))
        for slot in model.layout.slots {
            #expect(try weights.shape(slot.name) == slot.shape, "\(slot.name)")
            try weights.floats(slot.name, into: UnsafeMutableBufferPointer(rebasing: model.parameters.buffer[slot.range]))
        }
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
        #expect(lossErr < 1e-5)

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
        print("Llama vs Hugging Face: logits \(logitErr), loss \(lossErr), worst gradient \(worst.name) \(worst.error)")
    }
}
