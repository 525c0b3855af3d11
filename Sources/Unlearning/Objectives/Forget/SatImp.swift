import Foundation
import NumericCore

/// SatImp: `L = (1/N)·Σ m·sg(p^β₁·(1 − p)^β₂)·log p(y)`, weighting tokens that are neither
/// forgotten nor saturated.
package struct SatImp: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package var beta1: Double, beta2: Double
    package init(beta1: Double = Parameters().beta1, beta2: Double = Parameters().beta2) {
        self.beta1 = beta1; self.beta2 = beta2
    }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, _ in
            Foundation.pow(p, beta1) * Foundation.pow(1 - p, beta2)
        }
    }
}

extension SatImp: ForgetObjectiveTerm {
    package static let name = "satimp"
    package static let summary =
        "SatImp: GA with token weights sg(p^β₁·(1 − p)^β₂), neither forgotten nor saturated tokens first."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β₁, the exponent of p.
        package var beta1 = 5.0
        /// β₂, the exponent of 1 − p.
        package var beta2 = 1.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [
                .number("beta1", \.beta1, .nonNegative, "exponent β₁ of p in the token weight"),
                .number("beta2", \.beta2, .nonNegative, "exponent β₂ of 1 − p in the token weight"),
            ]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta1: parameters.beta1, beta2: parameters.beta2)
    }
}
