import NumericCore

/// DPO with a refusal as the preferred answer y_w and the true answer as the rejected y_l:
///
///     z_b = β·[(ℓ_o(y_w) − ℓ(y_w)) − (ℓ_o(y_l) − ℓ(y_l))],   L = −(2/β)·(1/S)·Σ_b log σ(z_b)
///
/// Gradient: `Σ_b (1/S)·2σ(−z_b)·[∇log p(y_l) − ∇log p(y_w)]`; instance weight `2σ(−z_b)`.
package struct IdkDPO: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget, .refusal]
    package let needsReference = true
    package let readsOnlyReferenceLogProbs = true
    package var beta: Double
    package init(beta: Double = Parameters().beta) { self.beta = beta }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let forget = ctx.rows(.forget), refusal = ctx.rows(.refusal), S = ctx.instanceDenominator(.forget)
        precondition(refusal.count == forget.count, "IdkDPO needs one refusal row per forget row")
        let ref = ctx.referenceResults
        var value = 0.0, instance: [Double] = [], lose: [Double] = []
        for (l, w) in zip(forget, refusal) {
            let z =
                beta
                * ((ctx.sequenceNLL(ref, row: w) - ctx.sequenceNLL(ctx.current, row: w))
                    - (ctx.sequenceNLL(ref, row: l) - ctx.sequenceNLL(ctx.current, row: l)))
            value -= 2 / beta * logSigmoid(z) / S
            instance.append(2 * sigmoid(-z))
            lose.append(2 * sigmoid(-z) / S)
        }
        let wl = sequenceWeights(ctx, role: .forget, rowCoefficients: lose, scale: scale, into: &gradient)
        let ww = sequenceWeights(ctx, role: .refusal, rowCoefficients: lose.map { -$0 }, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: wl, .refusal: ww], instanceWeights: instance)
    }
}

extension IdkDPO: ForgetObjectiveTerm {
    package static let name = "idkdpo"
    package static let summary = "DPO with a refusal preferred over the true answer."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        package var beta = 0.1
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "inverse temperature β")]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta)
    }
}
