import NumericCore

/// Negative preference optimisation (NPO, [NPO]):
///
///     L = −(2/β)·(1/S)·Σ_b log σ(β·(ℓ_b − ℓ_o,b))  =  (2/β)·mean_b log(1 + (p(s_b)/p_o(s_b))^β)
///
/// with ℓ_b the summed answer NLL under θ and ℓ_o,b under θ_o, S the batch's instance count.
/// Gradient: `Σ_b (1/S)·2σ(−β(ℓ_b − ℓ_o,b))·∇log p(s_b)`; the instance weight
/// `2σ(−β(ℓ − ℓ_o)) = 2p^β/(p^β + p_o^β)` starts at 1 (θ = θ_o) and decays as s is unlearned.
package struct NPO: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package let needsReference = true
    package let readsOnlyReferenceLogProbs = true
    package var beta: Double
    package init(beta: Double = Parameters().beta) { self.beta = beta }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let rows = ctx.rows(.forget), S = ctx.instanceDenominator(.forget)
        var value = 0.0, instance: [Double] = [], coefficients: [Double] = []
        for b in rows {
            let x = beta * (ctx.sequenceNLL(ctx.current, row: b) - ctx.sequenceNLL(ctx.referenceResults, row: b))
            value -= 2 / beta * logSigmoid(x) / S
            instance.append(2 * sigmoid(-x))
            coefficients.append(2 * sigmoid(-x) / S)
        }
        let w = sequenceWeights(ctx, role: .forget, rowCoefficients: coefficients, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: w], instanceWeights: instance)
    }
}

extension NPO: ForgetObjectiveTerm {
    package static let name = "npo"
    package static let summary =
        "Negative preference optimisation: GA with instance weights 2p^β/(p^β + p_o^β) that decay as an instance is unlearned."

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
