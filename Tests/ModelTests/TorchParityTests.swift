import Foundation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// The engine against PyTorch 2.13 (float32), from the committed fixture that
/// `notebooks-scripts/parity/gpt_fixture.py` wrote: the same parameters, batch, logits, loss, every
/// parameter gradient, and the losses of 5 AdamW and 5 SGD steps. Tolerances are the issue's:
/// logits and loss relative 1e-5, gradients relative norm error 1e-4 per tensor, step losses 1e-5.
@Suite("PyTorch parity")
struct TorchParityTests {
    static let dir = FixturePaths.root + "/parity/gpt"

    struct Fixture {
        let model: GPT
        let reference: SafetensorsFile
        let tokens: [Int32], targets: [Int32], mask: [Float]
        let B: Int, T: Int
    }

    static func load() throws -> Fixture {
        let (config, parameters) = try Checkpoint.load(from: dir)
        let reference = try SafetensorsFile.read(dir + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        return Fixture(
            model: try GPT(config: config, parameters: parameters), reference: reference,
            tokens: try reference.ints("tokens").map(Int32.init),
            targets: try reference.ints("targets").map(Int32.init),
            mask: try reference.floats("mask"), B: shape[0], T: shape[1])
    }

    @Test func logitsLossAndGradients() throws {
        let f = try Self.load()
        let m = f.model
        m.zeroGradients()
        let loss = try m.forward(tokens: f.tokens, targets: f.targets, mask: f.mask, batch: f.B, seq: f.T)
        #expect(relativeError(Array(m.logits), try f.reference.floats("logits").doubles) < 1e-5)
        let torchLoss = try f.reference.doubles("loss")[0]
        #expect(abs(loss - torchLoss) / torchLoss < 1e-5)

        let d = m.logitGradientScratch.baseAddress!
        m.nllLogitGradient(coefficients: m.meanNLLCoefficients(mask: f.mask), into: d)
        m.backward(logitGradient: d)
        let grads = m.gradients.array
        for slot in m.layout.slots {
            let torch = try f.reference.floats("grad." + slot.name).doubles
            let err = relativeError(Array(grads[slot.range]), torch)
            #expect(err < 1e-4, "\(slot.name): relative error \(err)")
        }
    }

    @Test func adamWTrajectory() throws {
        let f = try Self.load()
        let adam = AdamW(
            count: f.model.parameterCount, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1,
            decayRanges: matrixRanges(of: f.model.layout))
        try checkTrajectory(f, optimizer: adam, lr: 1e-2, expected: try f.reference.doubles("adamw.losses"))
    }

    @Test func sgdTrajectory() throws {
        let f = try Self.load()
        try checkTrajectory(f, optimizer: SGD(), lr: 0.1, expected: try f.reference.doubles("sgd.losses"))
    }

    private func checkTrajectory(_ f: Fixture, optimizer: Optimizer, lr: Float, expected: [Double]) throws {
        #expect(expected.count == 5)
        for (step, torchLoss) in expected.enumerated() {
            let loss = try trainingStep(
                f.model, optimizer: optimizer, lr: lr, tokens: f.tokens,
                targets: f.targets, mask: f.mask, batch: f.B, seq: f.T
            ).loss
            #expect(abs(loss - torchLoss) / torchLoss < 1e-5, "step \(step + 1): \(loss) vs torch \(torchLoss)")
        }
    }
}
