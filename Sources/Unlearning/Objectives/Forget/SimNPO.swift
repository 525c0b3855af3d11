import NumericCore

/// SimNPO ([SIM]), reference-free and length-normalised:
///
///     L = −(2/β)·(1/S)·Σ_b log σ(β·ℓ_b/|s_b| − γ)
///
/// Gradient: `Σ_b (1/S)·(2/|s_b|)·σ(γ − β·ℓ_b/|s_b|)·∇log p(s_b)`; instance weight
/// `2σ(γ − β·ℓ/|s|)`. Rows without answer tokens contribute a constant and weight 0.
public struct SimNPO: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.forget]
    public var beta: Double, gamma: Double
    public init(beta: Double = Parameters().beta, gamma: Double = Parameters().gamma) { self.beta = beta; self.gamma = gamma }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
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
    public static let name = "simnpo"
    public static let summary = "SimNPO: reference-free, length-normalised NPO, −(2/β)·log σ(β·ℓ/|s| − γ)."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    public struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        public var beta = 2.5
        /// γ, the margin.
        public var gamma = 0.0
        public init() {}
        public static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "inverse temperature β"),
             .number("gamma", \.gamma, .finite, "margin γ in σ(β·ℓ/|s| − γ)")]
        }
        public static var aliases: [ParameterAlias<Self>] {
            [ParameterAlias("delta", sets: "gamma", "open-unlearning's margin δ, inside the β: γ = β·δ") { $0.gamma = $0.beta * $1 }]
        }
    }

    public init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta, gamma: parameters.gamma)
    }
}
