import NumericCore

/// Gradient ascent (GA): `L = (1/N)·Σ m·log p(y)`, minus the token-mean answer NLL. Every token
/// weight is `1/N`.
public struct GradientAscent: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.forget]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { _, _ in 1 }
    }
}

extension GradientAscent: ForgetObjectiveTerm {
    public static let name = "ga"
    public static let summary = "Gradient ascent: minus the token-mean answer NLL of the forget set."

    public typealias Parameters = NoParameters

    public init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init()
    }
}
