import NumericCore

/// Preference optimisation towards a refusal (PO / IdK, [GE]): the token-mean NLL of a refusal
/// answer to each forget question, `L = −(1/N_r)·Σ m·log p(refusal)`. It acts on the refusal rows
/// (token weights `−m/N_r` there), not on the true answers.
public struct RefusalTuning: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.forget, .refusal]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        var value = tokenMeanNLL(ctx, role: .refusal, scale: scale, into: &gradient)
        value.instanceWeights = Array(repeating: 1, count: ctx.rows(.forget).count)
        return value
    }
}

extension RefusalTuning: ForgetObjectiveTerm {
    public static let name = "po"
    public static let summary = "Preference optimisation towards a refusal (PO/IdK): the answer NLL of a refusal to each forget question."

    public typealias Parameters = NoParameters

    public init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init()
    }
}
