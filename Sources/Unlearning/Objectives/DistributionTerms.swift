/// UNDIAL: distil from the reference with the true token's logit pushed down by β:
///
///     q = softmax(sg(logits_o) − β·onehot(y)),   L = (1/N)·Σ_{b,t} m·CE(q, p_θ)
///
/// over the forget answer positions. Gradient on the logits: `(m/N)·(softmax(logits) − q)`.
public struct UNDIAL: ObjectiveTerm {
    public let name = "undial"
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public var beta: Double
    public init(beta: Double = 10) { self.beta = beta }
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

/// KL retain term: the reference model's next-token distribution kept on retain data,
///
///     L = (1/N_r)·Σ_{b,t} m·KL(p_θo ‖ p_θ)   over the full vocabulary, at the retain answer positions.
///
/// Gradient on the logits: `(m/N_r)·(softmax(logits) − softmax(logits_o))`.
public struct RetainKL: ObjectiveTerm {
    public let name = "kl"
    public let roles: Set<BatchRole> = [.retain]
    public let needsReference = true
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let positions = ctx.positions(.retain), N = ctx.tokenDenominator(.retain)
        guard N > 0 else { return TermValue(value: 0) }
        let m = positions.map { Double(ctx.mask[$0]) / N }
        let sums = gradient.addDistributionMatch(m.map { $0 * scale }, positions: positions, current: ctx.current,
                                                 reference: ctx.referenceResults, targets: ctx.batch.tokens.targets)
        return TermValue(value: zip(m, sums).reduce(0.0) { $0 + $1.0 * ($1.1.qlogq - $1.1.qlogp) })
    }
}

/// Gradient descent on retain data (GD's retain term): the token-mean answer NLL,
/// `L = −(1/N_r)·Σ m·log p(y)`, token weights `−m/N_r`.
public struct RetainNLL: ObjectiveTerm {
    public let name = "gd"
    public let roles: Set<BatchRole> = [.retain]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenMeanNLL(ctx, role: .retain, scale: scale, into: &gradient)
    }
}
