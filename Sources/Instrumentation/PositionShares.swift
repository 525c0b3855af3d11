import Model
import NumericCore

/// Splits `⟨v, ∇L⟩` by output position with one forward-mode pass: for the batch the model last
/// evaluated, with `∂L/∂logits` (B·T, V) and `∂L/∂hidden_l` (B·T, C) as the objective left them,
///
///     share_n = ⟨∂L/∂logits_n, (J v)_logits,n⟩ + Σ_l ⟨∂L/∂hidden_l,n, (J v)_hidden_l,n⟩
///
/// and `Σ_n share_n = ⟨v, ∇L⟩` exactly (up to rounding). Also returns the tangent of each target
/// log-probability, `⟨v, ∇log p(y_n)⟩`, from which PG-effects follow.
enum PositionShares {
    static func compute(
        _ model: any CausalLanguageModel, direction: FloatBuffer, logitGradient: UnsafePointer<Float>,
        hiddenGradients: [Int: [Float]]
    ) -> (shares: [Double], logProbTangents: [Float]) {
        let J = PhaseClock.measure("forward mode") {
            model.directionalDerivative(
                along: UnsafePointer(direction.base), hiddenBlocks: Set(hiddenGradients.keys),
                outputs: .logitShares(of: logitGradient))
        }
        return PhaseClock.measure("position shares") { (shares(of: J, hiddenGradients: hiddenGradients), J.targetLogProbs) }
    }

    /// `compute`'s formula from the tangents `J`: the logits' shares, which the forward-mode pass
    /// took, plus the hidden states'.
    private static func shares(of J: DirectionalDerivative, hiddenGradients: [Int: [Float]]) -> [Double] {
        let N = J.batch * J.seq, C = J.width
        var shares = J.logitShares
        for (block, g) in hiddenGradients {
            let t = J.hidden[block]!
            g.withUnsafeBufferPointer { g in
                t.withUnsafeBufferPointer { t in
                    for n in 0..<N { shares[n] += Reduce.dot(g.baseAddress! + n * C, t.baseAddress! + n * C, count: C) }
                }
            }
        }
        return shares
    }
}
