import Model
import NumericCore

/// ℓ1-sparse unlearning (Jia et al., NeurIPS 2023, "Model Sparsity Can Simplify Machine
/// Unlearning"; public code OPTML-Group/Unlearn-Sparse, `FT_l1`): a retain-side penalty on every
/// parameter,
///
///     L₁(θ) = α_e·‖θ‖₁,   ∇L₁ = α_e·sign(θ)   (sign 0 = 0, the subgradient autograd takes),
///
/// with the code's schedule over the epochs e = 0, 1, … (over the forget set) of E:
/// `linear`: α_e = α·(1 − e/(E − E₀)) while e < E − E₀, then 0 for the last E₀ epochs
/// (`no_l1_epochs`; with E₀ = 0 the last epoch keeps α/E); `constant`: α_e = α (the code's GA_l1).
package struct L1Sparsity: Sendable, Equatable {
    package enum Schedule: String, Sendable, CaseIterable { case linear, constant }

    /// α.
    package var alpha: Double
    package var schedule: Schedule
    /// E₀: epochs at the end without the penalty (`linear` only).
    package var noL1Epochs: Int

    package init(alpha: Double, schedule: Schedule = .linear, noL1Epochs: Int = 0) {
        precondition(alpha >= 0 && noL1Epochs >= 0)
        self.alpha = alpha
        self.schedule = schedule
        self.noL1Epochs = noL1Epochs
    }

    /// α_e in epoch `epoch` (0-based) of `epochs`.
    package func weight(epoch: Int, epochs: Int) -> Double {
        switch schedule {
        case .constant: return alpha
        case .linear:
            let active = epochs - noL1Epochs
            if active <= 0 { return alpha }   // the code's `unlearn_epochs - no_l1_epochs == 0` case
            return epoch < active ? alpha * (1 - Double(epoch) / Double(active)) : 0
        }
    }

    /// `weight·‖θ‖₁` (Float64), and `weight·sign(θ)` added into `gradient` when one is given.
    package static func apply(weight: Double, parameters: FloatBuffer, addingTo gradient: FloatBuffer?) -> Double {
        let p = parameters.base, n = parameters.count
        var norm = 0.0
        for i in 0..<n { norm += Double(abs(p[i])) }
        if let gradient, weight != 0 {
            let g = gradient.base, w = Float(weight)
            Parallel.forRanges(n, grain: 65_536) { r in
                for i in r where p[i] != 0 { g[i] += p[i] > 0 ? w : -w }
            }
        }
        return weight * norm
    }
}
