/// KL retain term: the reference model's next-token distribution kept on retain data,
///
///     L = (1/N_r)·Σ_{b,t} m·KL(p_θo ‖ p_θ)   over the full vocabulary, at the retain answer positions.
///
/// Gradient on the logits: `(m/N_r)·(softmax(logits) − softmax(logits_o))`.
package struct RetainKL: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.retain]
    package let needsReference = true
    package init() {}
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let positions = ctx.positions(.retain), N = ctx.tokenDenominator(.retain)
        guard N > 0 else { return TermValue(value: 0) }
        let m = positions.map { Double(ctx.mask[$0]) / N }
        let sums = gradient.addDistributionMatch(
            m.map { $0 * scale }, positions: positions, current: ctx.current,
            reference: ctx.referenceResults, targets: ctx.batch.tokens.targets)
        return TermValue(value: zip(m, sums).reduce(0.0) { $0 + $1.0 * ($1.1.qlogq - $1.1.qlogp) })
    }
}

extension RetainKL: RetainObjectiveTerm {
    package static let name = "kl"
    package static let summary = "KL(p_θo ‖ p_θ) over the vocabulary at a retain batch's answer positions."

    package typealias Parameters = NoParameters

    package init(_ parameters: Parameters, shape: ObjectiveModelShape) {
        self.init()
    }
}
