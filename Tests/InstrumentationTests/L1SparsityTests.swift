import Datasets
import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// ℓ1-sparse unlearning: the Unlearn-Sparse schedule, the step's gradient, and the G-effect of the
/// penalty measured like the other terms.
@Suite("ℓ1-sparse unlearning")
struct L1SparsityTests {
    typealias G = GEffectTests

    /// `α·(1 − e/(E − E₀))`, 0 in the last E₀ epochs; with E₀ = E, α throughout (the code's special case).
    @Test func theScheduleIsUnlearnSparses() {
        let linear = L1Sparsity(alpha: 2), tail = L1Sparsity(alpha: 3, noL1Epochs: 1)
        #expect((0..<4).map { linear.weight(epoch: $0, epochs: 4) } == [2, 1.5, 1, 0.5])
        #expect((0..<4).map { tail.weight(epoch: $0, epochs: 4) } == [3, 2, 1, 0])
        #expect(L1Sparsity(alpha: 3, noL1Epochs: 4).weight(epoch: 2, epochs: 4) == 3)
        #expect(L1Sparsity(alpha: 0.5, schedule: .constant).weight(epoch: 7, epochs: 8) == 0.5)
    }

    /// With plain SGD, one step with the penalty is the step without it minus η·α·sign(θ), its
    /// record holds α·‖θ‖₁; 3 steps of a forget batch of 4 out of 7 are 2 epochs: α then α/2.
    @Test func theStepAddsAlphaTimesTheSign() throws {
        let eta: Float = 1e-3
        let a = try G.instrumenter(.init(forget: GradientAscent()), lr: eta, forgetBatch: 4)
        let b = try G.instrumenter(.init(forget: GradientAscent(), sparsity: L1Sparsity(alpha: 0.4)), lr: eta, forgetBatch: 4)
        #expect(b.unlearner.totalEpochs == 2 && b.unlearner.l1Weight(step: 1) == 0.4 && b.unlearner.l1Weight(step: 3) == 0.2)
        let start = a.unlearner.model.parameters.array
        _ = try a.unlearner.step(1)
        let record = try b.unlearner.step(1)
        let norm = start.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(record.l1Penalty - 0.4 * norm) <= 1e-9 * norm && record.evaluation.loss > record.evaluation.forget.value)
        let pa = a.unlearner.model.parameters.array, pb = b.unlearner.model.parameters.array
        let expected = start.map { $0 == 0 ? Float(0) : (eta * 0.4) * ($0 > 0 ? 1 : -1) }
        // Each side rounds η·g and θ − η·g to Float32: within 2 ulps of the larger of them (the
        // penalty's step, η·α = 4e-4, is far larger).
        let off = start.indices.filter { i in
            let scale = [pa[i], pb[i], start[i] - pa[i], start[i] - pb[i]].map { abs($0).ulp }.max()!
            return abs((pa[i] - pb[i]) - expected[i]) > 2 * scale
        }
        #expect(off.isEmpty, "\(off.count) parameters off −η·α·sign(θ) by more than 2 ulps, the first \(off.first ?? -1)")
    }

    /// The penalty's G-effect is `⟨∇R, α_e·sign(θ)⟩`, part of the total, its units and the first
    /// order: one plain SGD step changes R by −η·e with the penalty in e.
    @Test func itsGEffectIsMeasuredLikeTheOthers() throws {
        let eta: Float = 1e-5, alpha = 2.0
        let objective = UnlearningObjective(forget: GradientAscent(), retain: RetainNLL(), sparsity: L1Sparsity(alpha: alpha))
        let inst = try G.instrumenter(objective, lr: eta)
        let model = inst.unlearner.model, T = inst.length
        let m = try inst.measure(step: 0)
        let theta = model.parameters.array
        for (k, set) in [G.data.forget, G.data.retain].enumerated() {
            let g = try InstanceGEffectTests.riskGradient(model, set, length: T)
            let direct = zip(g, theta).reduce(0.0) { $0 + Double($1.0) * ($1.1 == 0 ? 0 : alpha * ($1.1 > 0 ? 1 : -1)) }
            let r = m.risks[k]
            #expect(abs(r.l1Term - direct) <= 1e-6 * abs(direct), "\(r.name): \(r.l1Term) vs \(direct)")
            #expect(abs(r.total - (r.forgetTerm + r.retainTerm + r.l1Term)) <= 1e-9 * abs(r.total))
        }
        let norm = theta.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(m.l1! - alpha * norm) <= 1e-9 * alpha * norm)
        _ = try inst.unlearner.step(1)
        let after = try inst.measure(step: 1)
        for (i, r) in m.risks.enumerated() {
            let realised = after.risks[i].value - r.value, predicted = -Double(eta) * r.total
            #expect(abs(realised - predicted) <= 0.01 * abs(predicted), "\(r.name): ΔR \(realised) vs −η·e \(predicted)")
        }
    }
}
