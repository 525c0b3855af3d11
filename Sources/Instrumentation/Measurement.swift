import Model

/// What gscope measures at the parameters θ_t of one recorded step, for one risk set R.
package struct RiskMeasurement: Sendable {
    package let name: String
    /// R(θ_t), the token-mean answer NLL of the set.
    package let value: Double
    /// ‖∇R(θ_t)‖².
    package let gradNorm2: Double
    /// The G-effect per parameter tensor, `e_p = ⟨∇_p R, ∇_p L⟩` with L the objective over the whole
    /// forget set (γ·forget) plus its retain term over the fixed retain set (α·retain). Float64
    /// dot products of Float32 gradients; in layout order.
    package let tensor: [Double]
    /// The G-effect of each scaled term: `⟨∇R, γ∇L_f⟩` and `⟨∇R, α∇L_r⟩` (0 without a retain term).
    package let forgetTerm: Double, retainTerm: Double
    /// The G-effect of the ℓ1 penalty, `⟨∇R, α_e·sign(θ)⟩` (0 without one); `tensor` includes it.
    package let l1Term: Double
    /// The forget term's G-effect split additively by output position: (N, T) on each forget
    /// instance's row and, for objectives that read refusal answers (PO, IdkDPO), (N, T) on its
    /// refusal row (empty otherwise). Position n's share is `⟨∂(γL_f)/∂outputs_n, J_n·∇R⟩`.
    package let token: [Double], refusalToken: [Double]
    /// Per forget instance: the sum of its shares; the instances sum to `forgetTerm`.
    package let instance: [Double]
    /// Per forget instance: the PG-effect `⟨∇R, ∇log p(s_i)⟩` ([GE] Eq. 5).
    package let pgEffect: [Double]

    /// For a tied embedding (`wte.weight` in the `tied` group): its G-effect through the input
    /// embedding and through the output head; they sum to the tensor's value. nil when untied.
    package let tiedInput: Double?, tiedOutput: Double?
    /// Per layer group (`groupNames`): embed, shallow, middle, deep, lm — a tied embedding's
    /// input side counted in embed, its output side in lm. Sums to `total`.
    package let groups: [Double]

    /// The G-effect per attention head, MLP unit group and rest of every block (``BlockUnits``):
    /// for each block they sum to its total.
    package let units: UnitProducts

    /// The names of `groups`.
    package static let groupNames = ["embed", "shallow", "middle", "deep", "lm"]

    /// e = Σ_p e_p = forget term + retain term (+ ℓ1 term).
    package var total: Double { tensor.reduce(0, +) }

    init(
        name: String, value: Double, gradNorm2: Double, tensor: [Double], forgetTerm: Double, retainTerm: Double,
        l1Term: Double = 0,
        token: [Double], refusalToken: [Double], instance: [Double], pgEffect: [Double], tiedInput: Double?,
        units: UnitProducts, layout: ParameterLayout
    ) {
        self.name = name
        self.value = value
        self.gradNorm2 = gradNorm2
        self.tensor = tensor
        self.forgetTerm = forgetTerm
        self.retainTerm = retainTerm
        self.l1Term = l1Term
        self.token = token
        self.refusalToken = refusalToken
        self.instance = instance
        self.pgEffect = pgEffect
        self.units = units
        var groups = [Double](repeating: 0, count: Self.groupNames.count)
        var tiedTotal: Double?
        for (slot, v) in zip(layout.slots, tensor) {
            switch slot.group {
            case .tied: tiedTotal = v
            default: groups[Self.groupNames.firstIndex(of: slot.group.rawValue)!] += v
            }
        }
        if let tiedTotal {
            let input = tiedInput ?? 0
            groups[0] += input
            groups[4] += tiedTotal - input
            self.tiedInput = input
            self.tiedOutput = tiedTotal - input
        } else {
            self.tiedInput = nil
            self.tiedOutput = nil
        }
        self.groups = groups
    }
}

/// The optimiser's real update seen through one risk: `u = ⟨∇R(θ_t), θ_t − θ_{t+1}⟩ / η`, per
/// tensor; for plain SGD it equals the G-effect, and `R(θ_{t+1}) − R(θ_t) ≈ −η·u`.
package struct UpdateEffect: Sendable {
    package let name: String
    package let tensor: [Double]
    package var total: Double { tensor.reduce(0, +) }
}

/// Everything measured at one recorded step θ_t.
package struct StepMeasurement: Sendable {
    /// t: the number of updates made before θ_t (0 = the starting model).
    package let step: Int
    package let risks: [RiskMeasurement]
    /// The objective over the whole forget set (and the fixed retain set) at θ_t: γ·forget +
    /// α·retain, and the two unscaled terms.
    package let loss: Double, forget: Double, retain: Double?
    /// The ℓ1 penalty α_e·‖θ_t‖₁ of the update that follows θ_t (nil without one); `loss` includes it.
    package var l1: Double? = nil
    /// Per forget instance: the objective's instance weight and the answer NLL; (N, T) token
    /// weights (0 off the mask and where the objective has none on the true answers).
    package let instanceWeights: [Double], instanceNLL: [Double], tokenWeights: [Double]
}

extension ParameterLayout {
    /// Sums per-tensor values into per-block values (blocks 0..<`blocks`; tensors outside any
    /// block are left out).
    package func blockSums(_ perTensor: [Double], blocks: Int) -> [Double] {
        var out = [Double](repeating: 0, count: blocks)
        for (slot, v) in zip(slots, perTensor) { if let b = slot.block { out[b] += v } }
        return out
    }

}

/// Forget × risk-set interference at one recorded step θ_t (``Interference``).
package struct InterferenceMeasurement: Sendable {
    /// One risk set's matrix.
    package struct PerSet: Sendable {
        package let name: String
        /// (N_f, N_r): `I[i, j] = ⟨∇ℓ_j, ∇(γ·L_i)⟩`; row i sums to instance i's G-effect on the set.
        package let instance: [Double]
        /// (N_f, N_r, T): `I[i, j]` split by item j's answer positions.
        package let token: [Double]
    }
    package let step: Int
    package let sets: [PerSet]
}
