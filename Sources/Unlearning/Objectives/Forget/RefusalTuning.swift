import NumericCore

/// Preference optimisation towards a refusal (PO / IdK, [GE]): the token-mean NLL of a refusal
/// answer to each forget question, `L = −(1/N_r)·Σ m·log p(refusal)`. It acts on the refusal rows
/// (token weights `−m/N_r` there), not on the true answers.
package struct RefusalTuning: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget, .refusal]
    package init() {}
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        var value = tokenMeanNLL(ctx, role: .refusal, scale: scale, into: &gradient)
        value.instanceWeights = Array(repeating: 1, count: ctx.rows(.forget).count)
        return value
    }
}

extension RefusalTuning: ForgetObjectiveTerm {
    package static let name = "po"
    package static let summary =
        "Preference optimisation towards a refusal (PO/IdK): the answer NLL of a refusal to each forget question."

    package typealias Parameters = NoParameters

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init()
    }
}
