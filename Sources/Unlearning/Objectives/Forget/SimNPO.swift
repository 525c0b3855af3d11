import NumericCore

/// SimNPO ([SIM]), reference-free and length-normalised:
///
///     L = −(2/β)·(1/S)·Σ_b log σ(β·ℓ_b/|s_b| − γ)
///
/// Gradient: `Σ_b (1/S)·(2/|s_b|)·σ(γ − β·ℓ_b/|s_b|)·∇log p(s_b)`; instance weight
/// `2σ(γ − β·ℓ/|s|)`. Rows without answer tokens contribute a constant and weight 0.
package struct SimNPO: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package var beta: Double, gamma: Double
    package init(beta: Double = Parameters().beta, gamma: Double = Parameters().gamma) { self.beta = beta; self.gamma = gamma }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let rows = ctx.rows(.forget), S = ctx.instanceDenominator(.forget)
        var value = 0.0, instance: [Double] = [], coefficients: [Double] = []
        for b in rows {
            let count = ctx.answerCount(row: b)
            guard count > 0 else {
                value -= 2 / beta * logSigmoid(-gamma) / S
                instance.append(0); coefficients.append(0)
                continue
            }
            let x = beta * ctx.sequenceNLL(ctx.current, row: b) / count - gamma
            value -= 2 / beta * logSigmoid(x) / S
            instance.append(2 * sigmoid(-x))
            coefficients.append(2 * sigmoid(-x) / (S * count))
        }
        let w = sequenceWeights(ctx, role: .forget, rowCoefficients: coefficients, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: w], instanceWeights: instance)
    }
}

extension SimNPO: ForgetObjectiveTerm {
    package static let name = "simnpo"
    package static let summary = "SimNPO: reference-free, length-normalised NPO, −(2/β)·log σ(β·ℓ/|s| − γ)."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        package var beta = 2.5
        /// γ, the margin.
        package var gamma = 0.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [
                .number("beta", \.beta, .positive, "inverse temperature β"),
                .number("gamma", \.gamma, .finite, "margin γ in σ(β·ℓ/|s| − γ)"),
            ]
        }
        package static var aliases: [ParameterAlias<Self>] {
            [
                ParameterAlias("delta", sets: "gamma", "open-unlearning's margin δ, inside the β: γ = β·δ") {
                    $0.gamma = $0.beta * $1
                }
            ]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta, gamma: parameters.gamma)
    }
}
