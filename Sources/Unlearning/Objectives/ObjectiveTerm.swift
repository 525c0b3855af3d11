/// One term of an unlearning objective: a forget-side loss (GA, NPO, …) or a retain-side
/// regulariser (GD, KL, RR). A term reads the forward results it needs from an
/// `ObjectiveContext`, returns its value, and adds `scale ×` its gradient — on the logits, or on a
/// hidden state — into an `ObjectiveGradient`; one model backward then turns the sum of all
/// terms into parameter gradients.
package protocol ObjectiveTerm: Sendable {
    /// The name used in configurations and run files ("npo", "kl").
    var name: String { get }
    /// The batch rows the term reads.
    var roles: Set<BatchRole> { get }
    /// Whether the term reads the frozen reference model θ_o.
    var needsReference: Bool { get }
    /// Whether all it reads of θ_o is `targetLogProbs` on its forget and refusal rows — which
    /// never change, so a `ReferenceCache` can serve them without a reference forward pass.
    var readsOnlyReferenceLogProbs: Bool { get }
    /// The block whose output (residual stream) the term reads, for representation terms.
    var hiddenLayer: Int? { get }
    /// The term's value on the batch; adds `scale · ∂term/∂(logits, hidden)` into `gradient`.
    func evaluate(_ context: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue
}

extension ObjectiveTerm {
    package var needsReference: Bool { false }
    package var readsOnlyReferenceLogProbs: Bool { false }
    package var hiddenLayer: Int? { nil }
}

/// A term's value on a batch, with the weights through which it acts.
package struct TermValue: Sendable {
    /// The term's value (a loss to minimise).
    package var value: Double
    /// For terms whose gradient is a weighted sum of target log-likelihood gradients: per role,
    /// (rows × T) coefficients `w` such that `∇_θ term = Σ_{b,t} w[b,t]·∇_θ log p(y[b,t])`
    /// (0 off the mask). A positive weight means a descent step lowers that token's likelihood.
    /// Empty for terms that act on whole distributions (KL, UNDIAL) or hidden states (RMU, RR).
    package var tokenWeights: [BatchRole: [Double]]
    /// For forget terms: one weight per forget row, the objective's own per-instance factor
    /// (GA, PO: 1; NPO: 2p^β/(p^β + p_o^β); SimNPO: 2σ(γ − βℓ/|s|); IdkDPO: 2σ(−z); token-weighted
    /// objectives: the mean of the instance's per-token factors; RMU, UNDIAL: 1).
    package var instanceWeights: [Double]

    package init(value: Double, tokenWeights: [BatchRole: [Double]] = [:], instanceWeights: [Double] = []) {
        self.value = value
        self.tokenWeights = tokenWeights
        self.instanceWeights = instanceWeights
    }
}
