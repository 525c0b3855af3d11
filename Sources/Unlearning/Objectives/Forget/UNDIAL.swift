import NumericCore

/// UNDIAL: distil from the reference with the true token's logit pushed down by β:
///
///     q = softmax(sg(logits_o) − β·onehot(y)),   L = (1/N)·Σ_{b,t} m·CE(q, p_θ)
///
/// over the forget answer positions. Gradient on the logits: `(m/N)·(softmax(logits) − q)`.
public struct UNDIAL: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public var beta: Double
    public init(beta: Double = Parameters().beta) { self.beta = beta }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let positions = ctx.positions(.forget), N = ctx.tokenDenominator(.forget)
        guard N > 0 else { return TermValue(value: 0, instanceWeights: Array(repeating: 1, count: ctx.rows(.forget).count)) }
        let m = positions.map { Double(ctx.mask[$0]) / N }
        let sums = gradient.addDistributionMatch(m.map { $0 * scale }, positions: positions, current: ctx.current,
                                                 reference: ctx.referenceResults, targets: ctx.batch.tokens.targets,
                                                 penalty: Float(beta))
        let value = zip(m, sums).reduce(0.0) { $0 - $1.0 * $1.1.qlogp }
        return TermValue(value: value, instanceWeights: Array(repeating: 1, count: ctx.rows(.forget).count))
    }
}

extension UNDIAL: ForgetObjectiveTerm {
    public static let name = "undial"
    public static let summary = "UNDIAL: self-distillation towards the reference with the true token's logit lowered by β."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    public struct Parameters: ObjectiveParameters {
        /// β, how far the true token's logit is pushed down.
        public var beta = 10.0
        public init() {}
        public static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "how far the true token's logit is pushed down in the distillation target")]
        }
    }

    public init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta)
    }
}
