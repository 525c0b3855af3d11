import Datasets
import Foundation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// Every objective against PyTorch 2.13 (float32 autograd), from the committed fixture that
/// `notebooks-scripts/parity/objectives_fixture.py` wrote: the same θ, θ_o and batches; the loss,
/// every parameter's gradient and the token weights, each to relative 1e-4.
@Suite("Objectives: PyTorch parity")
struct ObjectiveParityTests {
    static let dir = FixturePaths.parityObjectives

    /// The fixture's hyper-parameters (meta.json).
    static func objective(_ name: String, u: [Float]) -> UnlearningObjective {
        switch name {
        case "ga": .init(forget: GradientAscent())
        case "wga": .init(forget: WeightedGradientAscent(alpha: 1))
        case "npo": .init(forget: NPO(beta: 0.5))
        case "simnpo": .init(forget: SimNPO(beta: 2.5, gamma: 0.5))
        case "tnpo": .init(forget: TNPO(beta: 4))
        case "wtnpo": .init(forget: WTNPO(beta: 4, alpha: 1.5))
        case "satimp": .init(forget: SatImp(beta1: 5, beta2: 1))
        case "po": .init(forget: RefusalTuning())
        case "idkdpo": .init(forget: IdkDPO(beta: 0.1))
        case "rmu": .init(forget: RMU(layer: 1, c: 2, u: u))
        case "undial": .init(forget: UNDIAL(beta: 10))
        case "gd": .init(forget: GradientAscent(), retain: RetainNLL(), forgetWeight: 0)
        case "kl": .init(forget: GradientAscent(), retain: RetainKL(), forgetWeight: 0)
        case "rr": .init(forget: GradientAscent(), retain: RepresentationRetention(layer: 1), forgetWeight: 0)
        case "npo+kl": .init(forget: NPO(beta: 0.5), retain: RetainKL())
        case "ga+gd": .init(forget: GradientAscent(), retain: RetainNLL(), retainWeight: 2)
        default: preconditionFailure("no parity case \(name)")
        }
    }

    /// Rebuilds each fixture row as a formatted sample (ids = inputs up to the row's length, then
    /// the last target; the answer span from the mask) and checks the batch reproduces the arrays.
    static func samples(_ file: SafetensorsFile, _ view: String) throws -> [FormattedSample] {
        let shape = try file.shape(view + ".tokens"), T = shape[1]
        let tokens = try file.ints(view + ".tokens"), targets = try file.ints(view + ".targets")
        let mask = try file.floats(view + ".mask")
        let samples = (0..<shape[0]).map { b in
            let row = b * T..<(b + 1) * T
            let length = row.filter { targets[$0] >= 0 }.count
            let answer = row.filter { mask[$0] != 0 }.map { $0 - b * T }
            let ids = tokens[b * T..<b * T + length].map(Int32.init) + [Int32(targets[b * T + length - 1])]
            return FormattedSample(ids: ids, answerRange: (answer.first! + 1)..<(answer.last! + 2))
        }
        let rebuilt = TokenBatch(samples: samples, indices: Array(samples.indices), padding: 0, fixedLength: T)
        #expect(rebuilt.tokens == tokens.map(Int32.init) && rebuilt.targets == targets.map(Int32.init) && rebuilt.mask == mask)
        return samples
    }

    static let cases = [
        "ga", "wga", "npo", "simnpo", "tnpo", "wtnpo", "satimp", "po", "idkdpo", "rmu", "undial",
        "gd", "kl", "rr", "npo+kl", "ga+gd",
    ]

    @Test(arguments: cases)
    func lossGradientAndWeights(_ name: String) throws {
        let (config, theta) = try Checkpoint.load(from: Self.dir)
        let (_, thetaO) = try Checkpoint.load(from: Self.dir + "/reference")
        let model = try GPT(config: config, parameters: theta), reference = try GPT(config: config, parameters: thetaO)
        let batches = try SafetensorsFile.read(Self.dir + "/batches.safetensors")
        let forget = try Self.samples(batches, "forget")
        let batch = ObjectiveBatch(
            forget: forget, forgetIndices: Array(forget.indices),
            refusal: try Self.samples(batches, "refusal"),
            retain: try Self.samples(batches, "retain"), padding: 0, fixedLength: 12)
        let torch = try SafetensorsFile.read(Self.dir + "/reference.safetensors")

        let result = try Self.objective(name, u: try batches.floats("rmu.u")).evaluate(
            model: model, reference: reference, batch: batch)
        let torchLoss = try torch.doubles(name + ".loss")[0]
        #expect(abs(result.loss - torchLoss) <= 1e-4 * abs(torchLoss), "\(name): loss \(result.loss) vs \(torchLoss)")

        let grads = model.gradients.array
        var worst = 0.0
        for slot in model.layout.slots {
            let err = relativeError(Array(grads[slot.range]), try torch.floats("\(name).grad.\(slot.name)").doubles)
            worst = max(worst, err)
            #expect(err < 1e-4, "\(name) \(slot.name): relative error \(err)")
        }
        var weightErrors: [String] = []
        for (role, weights) in result.forget.tokenWeights where torch.contains("\(name).token_weights.\(role.rawValue)") {
            let err = relativeError(weights, try torch.floats("\(name).token_weights.\(role.rawValue)").doubles)
            weightErrors.append("\(role.rawValue) \(err)")
            #expect(err < 1e-4, "\(name) token weights (\(role.rawValue)): \(err)")
        }
        print(
            "parity \(name): loss \(result.loss) (torch \(torchLoss)), worst tensor gradient error \(worst), token weights \(weightErrors)"
        )
    }
}
