import Foundation
import NumericCore

/// Token-wise NPO (TNPO, [GE]): `L = (1/N)·Σ m·w·log p(y)` with
/// `w = sg(2p^β / (p^β + p_o^β + 1e-5))`, NPO's weight applied per token.
package struct TNPO: ObjectiveTerm {
    package let roles: Set<BatchRole> = [.forget]
    package let needsReference = true
    package let readsOnlyReferenceLogProbs = true
    package var beta: Double
    package init(beta: Double = Parameters().beta) { self.beta = beta }
    package func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let ref = ctx.referenceResults
        return tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, n in
            let pb = Foundation.pow(p, beta), po = Foundation.pow(Foundation.exp(Double(ref.targetLogProbs[n])), beta)
            return 2 * pb / (pb + po + 1e-5)
        }
    }
}

extension TNPO: ForgetObjectiveTerm {
    package static let name = "tnpo"
    package static let summary = "Token-wise NPO: NPO's weight 2p^β/(p^β + p_o^β) applied per token."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    package struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        package var beta = 4.0
        package init() {}
        package static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "inverse temperature β")]
        }
    }

    package init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta)
    }
}
