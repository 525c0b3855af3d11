import Datasets
import Model
import NumericCore
import Unlearning

/// How an update mask ranks the weights; the mask keeps those with the largest scores.
package enum MaskScore: String, Sendable, CaseIterable {
    /// WAGLE (Jia et al., NeurIPS 2024; its public code's `snip_advanced`):
    /// `s_i = |(θ_i − g_r,i/γ)·g_f,i|`, the weight's attribution to unlearning from the implicit
    /// gradient of the bi-level problem, the retain loss's Hessian diagonal approximated by γ·I;
    /// g_f, g_r the gradients of the forget and retain NLLs.
    case wagle
    /// `s_i = |θ_i|` (WAGLE's "Magnitude" baseline).
    case magnitude
    /// `s_i` uniform in [0, 1), from the run's seed (WAGLE's "Random" baseline).
    case random
    /// gscope's own: the weight's part of the G-effects, `s_i = g_L,i·(g_Rr,i − g_Rf,i)`
    /// (retaining G-effect minus unlearning G-effect of that one weight at θ_0, with g_L the
    /// objective's gradient over the whole sets): weights whose update unlearns most and damages
    /// the retain risk least.
    case geffect
}

/// The scores of ``MaskScore`` at the model's current parameters, and the masks that keep the
/// largest of them.
package enum WeightAttribution {
    /// The score of every weight. `forget` and `retain` are the sets whose NLL gradients g_f and
    /// g_r are taken (token means over the whole sets); `gamma` is WAGLE's γ (its code's μ, 1e-6
    /// by default, applied there to gradients summed over its batches: here they are means, as
    /// every gradient of gscope). Uses the model's gradient buffer as scratch.
    package static func scores(
        _ method: MaskScore, unlearner: Unlearner, forget: RiskSet, retain: RiskSet, gamma: Double, seed: UInt64,
        chunk: Int = 16
    ) throws -> [Float] {
        let model = unlearner.model, P = model.parameterCount, theta = model.parameters.base
        let padding = unlearner.data.padding
        func riskGradient(_ set: RiskSet) throws -> [Float] {
            _ = try SetGradients.risk(model, set, padding: padding, chunk: chunk)
            return model.gradients.array
        }
        switch method {
        case .magnitude:
            return (0..<P).map { abs(theta[$0]) }
        case .random:
            var rng = RNG(seed: seed)
            return (0..<P).map { _ in Float(rng.uniform()) }
        case .wagle:
            let gf = try riskGradient(forget), gr = try riskGradient(retain)
            return (0..<P).map { i in Float(abs((Double(theta[i]) - Double(gr[i]) / gamma) * Double(gf[i]))) }
        case .geffect:
            let gf = try riskGradient(forget), gr = try riskGradient(retain)
            let objective = unlearner.objective, data = unlearner.data
            let length = max(data.sequenceLength, retain.samples.map(\.length).max() ?? 1)
            _ = try SetGradients.forgetTerm(
                objective, model: model, reference: unlearner.reference, referenceCache: ReferenceCache(), data: data,
                forgetIndices: Array(data.forget.indices), length: length, chunk: chunk, directions: [])
            var gL = model.gradients.array
            if objective.retain != nil {
                _ = try SetGradients.retainTerm(
                    objective, model: model, reference: unlearner.reference, retain: retain.samples, padding: padding,
                    chunk: chunk)
                for i in 0..<P { gL[i] += model.gradients[i] }
            }
            return (0..<P).map { i in Float(Double(gL[i]) * (Double(gr[i]) - Double(gf[i]))) }
        }
    }

    /// A mask keeping the `⌊ratio·n⌋` largest scores (ties: the lower index first) of all `n`
    /// weights together (`perTensor` false, as WAGLE's code ranks them), or of each tensor of
    /// `layout` alone.
    package static func keepLargest(_ scores: [Float], ratio: Double, perTensor: Bool, layout: ParameterLayout) -> [UInt8] {
        precondition(ratio > 0 && ratio <= 1 && scores.count == layout.count)
        var keep = [UInt8](repeating: 0, count: scores.count)
        for range in perTensor ? layout.slots.map(\.range) : [0..<scores.count] {
            let k = Int(Double(range.count) * ratio)
            guard k > 0 else { continue }
            let threshold = scores[range].sorted(by: >)[k - 1]
            var ties = k
            for i in range where scores[i] > threshold { ties -= 1 }
            for i in range {
                if scores[i] > threshold {
                    keep[i] = 1
                } else if scores[i] == threshold, ties > 0 {
                    keep[i] = 1
                    ties -= 1
                }
            }
        }
        return keep
    }
}
