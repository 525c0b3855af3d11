import Foundation
import NumericCore

/// Weighted token-wise NPO (WTNPO, [GE]): `L = (1/N)·Σ m·w·log p(y)` with
/// `w = sg(2p^(β+α) / (p^β + p_o^β))`.
package struct WTNPO: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package let needsReference = true
    package let readsOnlyReferenceLogProbs = true
    package var beta: Double, alpha: Double
    package init(beta: Double = Parameters().beta, alpha: Double = Parameters().alpha) { self.beta = beta; self.alpha = alpha }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let ref = ctx.referenceResults
        return tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, n in
            let pb = Foundation.pow(p, beta), po = Foundation.pow(Foundation.exp(Double(ref.targetLogProbs[n])), beta)
            return 2 * Foundation.pow(p, beta + alpha) / (pb + po)
        }
    }
}

extension WTNPO: ForgetObjectiveTerm {
    package static let name = "wtnpo"
    package static let summary = "Weighted token-wise NPO: per-token weights 2p^(β+α)/(p^β + p_o^β)."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        package var beta = 4.0
        /// α, the extra exponent.
        package var alpha = 1.5
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [
                .number("beta", \.beta, .positive, "inverse temperature β"),
                .number("alpha", \.alpha, .nonNegative, "extra exponent α of p in the token weight"),
            ]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta, alpha: parameters.alpha)
    }
}
