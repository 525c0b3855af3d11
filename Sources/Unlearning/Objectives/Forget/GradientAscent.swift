import NumericCore

/// Gradient ascent (GA): `L = (1/N)·Σ m·log p(y)`, minus the token-mean answer NLL. Every token
/// weight is `1/N`.
package struct GradientAscent: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package init() {}
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { _, _ in 1 }
    }
}

extension GradientAscent: ForgetObjectiveTerm {
    package static let name = "ga"
    package static let summary = "Gradient ascent: minus the token-mean answer NLL of the forget set."

    package typealias Parameters = NoParameters

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init()
    }
}
