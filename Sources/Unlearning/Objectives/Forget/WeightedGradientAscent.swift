import Foundation
import NumericCore

/// Weighted gradient ascent (WGA, [GE]): `L = (1/N)·Σ m·sg(p^α)·log p(y)`; tokens the model has
/// already unlearned (small p) stop pulling.
package struct WeightedGradientAscent: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    /// α (1 in open-unlearning, 5 in [GE]'s code).
    package var alpha: Double
    package init(alpha: Double = Parameters().alpha) { self.alpha = alpha }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, _ in Foundation.pow(p, alpha) }
    }
}

extension WeightedGradientAscent: ForgetObjectiveTerm {
    package static let name = "wga"
    package static let summary =
        "Weighted gradient ascent: GA with each token weighted by sg(p^α), so unlearned tokens stop pulling."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// α, the exponent of the token weight p^α.
        package var alpha = 1.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [
                .number(
                    "alpha", \.alpha, .nonNegative,
                    "exponent α of the token weight sg(p^α) (1 in open-unlearning, 5 in the G-effect paper's code)")
            ]
        }
        package static var aliases: [ParameterAlias<Self>] {
            [ParameterAlias("beta", sets: "alpha", "open-unlearning's name for α") { $0.alpha = $1 }]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(alpha: parameters.alpha)
    }
}
