import Datasets
import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// Forget × retain interference (`Instrumenter.measureInterference`) against the slow path: one
/// backward pass per forget instance and one per retain item (and per retain token), and their
/// inner products.
@Suite("Forget × retain interference")
struct InterferenceTests {
    typealias G = GEffectTests

    @Test(arguments: ["ga", "npo+kl", "idkdpo", "rmu"])
    func pairsMatchPerPairBackwardPasses(_ name: String) throws {
        let objective = InstanceGEffectTests.objectives[name]!
        let inst = try G.instrumenter(objective, chunk: 4, interference: ["retain"])
        let m = try inst.measure(step: 0)
        let measured = try inst.measureInterference(step: 0)
        let I = try #require(measured.sets.first { $0.name == "retain" })
        let model = inst.unlearner.model, data = G.data, T = inst.length
        let Nf = data.forget.count, Nr = data.retain.count
        #expect(I.instance.count == Nf * Nr && I.token.count == Nf * Nr * T)

        // ∇ℓ_j: retain item j's share of the retain risk, and ∇(γ·L_i): forget instance i's share.
        let N = Float(RiskSet(name: "retain", samples: data.retain).answerTokens)
        func retainGradient(_ j: Int, onlyAt position: Int? = nil) throws -> [Float] {
            let b = TokenBatch(samples: data.retain, indices: [j], padding: 0, fixedLength: T)
            model.zeroGradients()
            try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: 1, seq: T)
            let c = b.mask.enumerated().map { t, mask in position == nil || position == t ? mask / N : 0 }
            model.nllLogitGradient(coefficients: c, into: model.logitGradientScratch.baseAddress!)
            model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
            return model.gradients.array
        }
        let needsRefusal = objective.forget.roles.contains(.refusal)
        var totals: [BatchRole: ObjectiveBatch.Denominator] = [.forget: .init(of: data.forget)]
        if needsRefusal { totals[.refusal] = .init(of: data.refusal) }
        func forgetGradient(_ i: Int) throws -> [Float] {
            var batch = ObjectiveBatch(
                forget: [data.forget[i]], forgetIndices: [i], refusal: needsRefusal ? [data.refusal[i]] : [], padding: 0,
                fixedLength: T)
            batch.denominators = totals
            _ = try objective.evaluate(model: model, reference: inst.unlearner.reference, batch: batch, part: .forget)
            return model.gradients.array
        }
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

        let retain = try (0..<Nr).map { try retainGradient($0) }
        let forget = try (0..<Nf).map { try forgetGradient($0) }
        let slow = (0..<Nf).flatMap { i in (0..<Nr).map { j in dot(retain[j], forget[i]) } }
        let scale = slow.map(abs).max()!
        let error = zip(I.instance, slow).map { abs($0 - $1) }.max()! / scale
        print("\(name): interference error \(error) of the largest pair \(scale)")
        #expect(error < 1e-5, "\(name): the pairs against per-pair backward passes")

        // Per token: item 0's answer positions, against one backward pass per position.
        let b0 = TokenBatch(samples: data.retain, indices: [0], padding: 0, fixedLength: T)
        var tokenError = 0.0
        for t in 0..<T where b0.mask[t] != 0 {
            let g = try retainGradient(0, onlyAt: t)
            for i in 0..<Nf { tokenError = max(tokenError, abs(I.token[(i * Nr) * T + t] - dot(g, forget[i])) / scale) }
        }
        #expect(tokenError < 1e-5, "\(name): the per-token split against per-token backward passes")
        // Tokens sum to their pair; each forget instance's pairs to its G-effect on the retain risk.
        let retainRisk = m.risks[1].instance
        for i in 0..<Nf {
            for j in 0..<Nr {
                let pair = I.instance[i * Nr + j]
                #expect(abs(I.token[((i * Nr + j) * T)..<((i * Nr + j + 1) * T)].reduce(0, +) - pair) <= 1e-12 * scale)
            }
            let row = I.instance[(i * Nr)..<((i + 1) * Nr)].reduce(0, +)
            #expect(abs(row - retainRisk[i]) <= 1e-5 * scale, "\(name) instance \(i): \(row) vs \(retainRisk[i])")
        }
    }
}
