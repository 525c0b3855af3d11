import Foundation
import NumericCore

/// Weighted token-wise NPO (WTNPO, [GE]): `L = (1/N)·Σ m·w·log p(y)` with
/// `w = sg(2p^(β+α) / (p^β + p_o^β))`.
public struct WTNPO: ObjectiveTerm {
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public let readsOnlyReferenceLogProbs = true
    public var beta: Double, alpha: Double
    public init(beta: Double = Parameters().beta, alpha: Double = Parameters().alpha) { self.beta = beta; self.alpha = alpha }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let ref = ctx.referenceResults
        return tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, n in
            let pb = Foundation.pow(p, beta), po = Foundation.pow(Foundation.exp(Double(ref.targetLogProbs[n])), beta)
            return 2 * Foundation.pow(p, beta + alpha) / (pb + po)
        }
    }
}

extension WTNPO: ForgetObjectiveTerm {
    public static let name = "wtnpo"
    public static let summary = "Weighted token-wise NPO: per-token weights 2p^(β+α)/(p^β + p_o^β)."

    /// The hyper-parameters a config sets (`objective.forget.*`).
    public struct Parameters: ObjectiveParameters {
        /// β, the inverse temperature.
        public var beta = 4.0
        /// α, the extra exponent.
        public var alpha = 1.5
        public init() {}
        public static var fields: [ParameterField<Self>] {
            [.number("beta", \.beta, .positive, "inverse temperature β"),
             .number("alpha", \.alpha, .nonNegative, "extra exponent α of p in the token weight")]
        }
    }

    public init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG) {
        self.init(beta: parameters.beta, alpha: parameters.alpha)
    }
}
