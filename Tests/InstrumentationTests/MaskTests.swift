import Datasets
import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// Update masks (WAGLE): the scores against their formulas, the largest fraction kept, the update
/// restricted exactly, and the G-effects of the masked update.
@Suite("Update masks")
struct MaskTests {
    typealias G = GEffectTests
    static let data = G.data
    static let forget = RiskSet(name: "forget", samples: data.forget), retain = RiskSet(name: "retain", samples: data.retain)

    static func gradient(_ model: any CausalLanguageModel, _ samples: [FormattedSample], length: Int) throws -> [Double] {
        try InstanceGEffectTests.riskGradient(model, samples, length: length).map(Double.init)
    }

    /// WAGLE's score `|(θ − g_r/γ)·g_f|` and gscope's `g_L·(g_Rr − g_Rf)` against gradients from
    /// plain backward passes; the G-effect score sums to e_retain − e_forget at θ_0.
    @Test func scoresFollowTheirFormulas() throws {
        let objective = UnlearningObjective(forget: NPO(beta: 0.5), retain: RetainNLL())
        let inst = try G.instrumenter(objective)
        let u = inst.unlearner, model = u.model, T = inst.length
        let theta = model.parameters.array.map(Double.init)
        let gf = try Self.gradient(model, Self.data.forget, length: T), gr = try Self.gradient(model, Self.data.retain, length: T)
        let gamma = 1e-3
        let wagle = try WeightAttribution.scores(
            .wagle, unlearner: u, forget: Self.forget, retain: Self.retain, gamma: gamma, seed: 1)
        let direct = theta.indices.map { abs((theta[$0] - gr[$0] / gamma) * gf[$0]) }
        #expect(relativeError(wagle, direct) < 1e-5, "WAGLE: \(relativeError(wagle, direct))")
        let magnitude = try WeightAttribution.scores(
            .magnitude, unlearner: u, forget: Self.forget, retain: Self.retain, gamma: 1, seed: 1)
        #expect(magnitude == model.parameters.array.map(abs))
        let random = try WeightAttribution.scores(
            .random, unlearner: u, forget: Self.forget, retain: Self.retain, gamma: 1, seed: 7)
        #expect(random.allSatisfy { $0 >= 0 && $0 < 1 } && Set(random).count > random.count / 2)
        #expect(
            random
                == (try WeightAttribution.scores(
                    .random, unlearner: u, forget: Self.forget, retain: Self.retain, gamma: 1, seed: 7)))

        let scores = try WeightAttribution.scores(
            .geffect, unlearner: u, forget: Self.forget, retain: Self.retain, gamma: 1, seed: 1)
        let m = try inst.measure(step: 0)
        let sum = scores.reduce(0.0) { $0 + Double($1) }, expected = m.risks[1].total - m.risks[0].total
        #expect(abs(sum - expected) <= 1e-4 * abs(expected), "Σ scores \(sum) vs e_retain − e_forget \(expected)")
    }

    /// The mask keeps ⌊ρ·n⌋ weights, the largest scores, ties to the lower index; per tensor alike.
    @Test func theLargestFractionIsKept() throws {
        var layout = ParameterLayout()
        layout.add("a", [2, 5], block: 0, group: .shallow)
        layout.add("b", [7], block: 0, group: .shallow)
        let scores: [Float] = [5, 1, 3, 3, 3, 0, 9, 2, 3, 4, 8, 7, 6, 5, 4, 3, 2]
        let global = WeightAttribution.keepLargest(scores, ratio: 0.5, perTensor: false, layout: layout)
        // ⌊0.5·17⌋ = 8: 9 8 7 6 5 5 4 4 (the two 5s and the two 4s all fit).
        #expect(global == [1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0])
        let ties = WeightAttribution.keepLargest(scores, ratio: 0.4, perTensor: false, layout: layout)
        // ⌊0.4·17⌋ = 6: 9 8 7 6 and two of the 5s (indices 0 and 13): the lower indices.
        #expect(ties == [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0])
        let perTensor = WeightAttribution.keepLargest(scores, ratio: 0.3, perTensor: true, layout: layout)
        // a: ⌊3⌋ = 3 of [5 1 3 3 3 0 9 2 3 4]: 9 5 4; b: ⌊2.1⌋ = 2 of [8 7 6 5 4 3 2]: 8 7.
        #expect(perTensor == [1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0])
    }

    /// With AdamW and weight decay, frozen weights keep their bits through every step; the masked
    /// measurement is `⟨m ⊙ ∇R, ∇L⟩` and one plain SGD step moves R by −η·e of it.
    @Test func theUpdateIsRestrictedAndMeasuredAsMasked() throws {
        let objective = UnlearningObjective(forget: GradientAscent(), retain: RetainNLL())
        let adam = AdamW(
            count: try GPT(config: G.config).parameterCount, weightDecay: 0.1,
            decayRanges: [0..<(try GPT(config: G.config).parameterCount)])
        let inst = try G.instrumenter(objective, optimizer: adam, forgetBatch: 3)
        let model = inst.unlearner.model, P = model.parameterCount
        var rng = RNG(seed: 3)
        let keep = (0..<P).map { _ in UInt8(rng.below(4) == 0 ? 0 : 1) }
        inst.unlearner.mask = UpdateMask(keep: keep, parameters: model.parameters)
        let start = model.parameters.array
        for s in 1...3 { _ = try inst.unlearner.step(s) }
        let after = model.parameters.array
        #expect((0..<P).allSatisfy { keep[$0] == 1 || after[$0].bitPattern == start[$0].bitPattern }, "a frozen weight moved")
        #expect((0..<P).filter { keep[$0] == 1 && after[$0] != start[$0] }.count > P / 2)

        let eta: Float = 1e-5
        let sgd = try G.instrumenter(objective, lr: eta)
        sgd.unlearner.mask = UpdateMask(keep: keep, parameters: sgd.unlearner.model.parameters)
        let T = sgd.length
        let m = try sgd.measure(step: 0)
        let gR = try Self.gradient(sgd.unlearner.model, Self.data.forget, length: T)
        // ∇L of GA + NLL on the whole sets: −∇R_forget + ∇R_retain.
        let gL = zip(gR, try Self.gradient(sgd.unlearner.model, Self.data.retain, length: T)).map { -$0 + $1 }
        let masked = (0..<P).reduce(0.0) { $0 + (keep[$1] == 1 ? gR[$1] * gL[$1] : 0) }
        #expect(abs(m.risks[0].total - masked) <= 1e-5 * abs(masked), "masked e \(m.risks[0].total) vs \(masked)")
        _ = try sgd.unlearner.step(1)
        let update = try #require(sgd.updateEffects(lr: eta))
        #expect(abs(update[0].total - masked) <= 1e-3 * abs(masked), "u \(update[0].total) vs masked e \(masked)")
    }
}
