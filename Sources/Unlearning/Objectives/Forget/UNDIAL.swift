import NumericCore

/// UNDIAL: distil from the reference with the true token's logit pushed down by β:
///
///     q = softmax(sg(logits_o) − β·onehot(y)),   L = (1/N)·Σ_{b,t} m·CE(q, p_θ)
///
/// over the forget answer positions. Gradient on the logits: `(m/N)·(softmax(logits) − q)`.
package struct UNDIAL: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package let needsReference = true
    package var beta: Double
    package init(beta: Double = Parameters().beta) { self.beta = beta }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let positions = ctx.positions(.forget), N = ctx.tokenDenominator(.forget)
        guard N > 0 else { return TermValue(value: 0, instanceWeights: Array(repeating: 1, count: ctx.rows(.forget).count)) }
        let m = positions.map { Double(ctx.mask[$0]) / N }
        let sums = gradient.addDistributionMatch(
            m.map { $0 * scale }, positions: positions, current: ctx.current,
            reference: ctx.referenceResults, targets: ctx.batch.tokens.targets,
            penalty: Float(beta))
        let value = zip(m, sums).reduce(0.0) { $0 - $1.0 * $1.1.qlogp }
        return TermValue(value: value, instanceWeights: Array(repeating: 1, count: ctx.rows(.forget).count))
    }
}

extension UNDIAL: ForgetObjectiveTerm {
    package static let name = "undial"
    package static let summary = "UNDIAL: self-distillation towards the reference with the true token's logit lowered by β."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β, how far the true token's logit is pushed down.
        package var beta = 10.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "how far the true token's logit is pushed down in the distillation target")]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta)
    }
}
