import Foundation

/// The shared form of the token-level forget losses: with a stop-gradient factor `f` per token,
///
///     L = (1/N)·Σ_{b,t} m[b,t]·f[b,t]·log p(y[b,t]),      N = Σ m over the forget rows,
///
/// whose gradient is `Σ w·∇log p` with token weights `w = m·f/N`. The instance weight is the mean
/// of `f` over the instance's answer tokens.
func tokenWeightedAscent(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient,
                         factor: (_ p: Double, _ position: Int) -> Double) -> TermValue {
    let positions = ctx.positions(.forget), T = ctx.seq, mask = ctx.mask
    let N = ctx.tokenDenominator(.forget)
    var weights = [Double](repeating: 0, count: positions.count)
    var instance = [Double](repeating: 0, count: ctx.rows(.forget).count)
    guard N > 0 else { return TermValue(value: 0, tokenWeights: [.forget: weights], instanceWeights: instance) }
    var value = 0.0
    for (i, n) in positions.enumerated() where mask[n] != 0 {
        let lp = Double(ctx.current.targetLogProbs[n])
        let f = factor(Foundation.exp(lp), n)
        weights[i] = Double(mask[n]) * f / N
        value += weights[i] * lp
        instance[i / T] += f * Double(mask[n])
    }
    for (b, row) in ctx.rows(.forget).enumerated() {
        let count = ctx.answerCount(row: row)
        instance[b] = count > 0 ? instance[b] / count : 0
    }
    gradient.addLogProbGradient(weights.map { $0 * scale }, positions: positions, results: ctx.current,
                                targets: ctx.batch.tokens.targets)
    return TermValue(value: value, tokenWeights: [.forget: weights], instanceWeights: instance)
}

/// Gradient ascent (GA): `L = (1/N)·Σ m·log p(y)`, minus the token-mean answer NLL. Every token
/// weight is `1/N`.
public struct GradientAscent: ObjectiveTerm {
    public let name = "ga"
    public let roles: Set<BatchRole> = [.forget]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { _, _ in 1 }
    }
}

/// Weighted gradient ascent (WGA, [GE]): `L = (1/N)·Σ m·sg(p^α)·log p(y)`; tokens the model has
/// already unlearned (small p) stop pulling.
public struct WeightedGradientAscent: ObjectiveTerm {
    public let name = "wga"
    public let roles: Set<BatchRole> = [.forget]
    /// α (1 in open-unlearning, 5 in [GE]'s code).
    public var alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, _ in Foundation.pow(p, alpha) }
    }
}

/// Token-wise NPO (TNPO, [GE]): `L = (1/N)·Σ m·w·log p(y)` with
/// `w = sg(2p^β / (p^β + p_o^β + 1e-5))`, NPO's weight applied per token.
public struct TNPO: ObjectiveTerm {
    public let name = "tnpo"
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public let readsOnlyReferenceLogProbs = true
    public var beta: Double
    public init(beta: Double = 4) { self.beta = beta }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let ref = ctx.referenceResults
        return tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, n in
            let pb = Foundation.pow(p, beta), po = Foundation.pow(Foundation.exp(Double(ref.targetLogProbs[n])), beta)
            return 2 * pb / (pb + po + 1e-5)
        }
    }
}

/// Weighted token-wise NPO (WTNPO, [GE]): `L = (1/N)·Σ m·w·log p(y)` with
/// `w = sg(2p^(β+α) / (p^β + p_o^β))`.
public struct WTNPO: ObjectiveTerm {
    public let name = "wtnpo"
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public let readsOnlyReferenceLogProbs = true
    public var beta: Double, alpha: Double
    public init(beta: Double = 4, alpha: Double = 1.5) { self.beta = beta; self.alpha = alpha }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let ref = ctx.referenceResults
        return tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, n in
            let pb = Foundation.pow(p, beta), po = Foundation.pow(Foundation.exp(Double(ref.targetLogProbs[n])), beta)
            return 2 * Foundation.pow(p, beta + alpha) / (pb + po)
        }
    }
}

/// SatImp: `L = (1/N)·Σ m·sg(p^β₁·(1 − p)^β₂)·log p(y)`, weighting tokens that are neither
/// forgotten nor saturated.
public struct SatImp: ObjectiveTerm {
    public let name = "satimp"
    public let roles: Set<BatchRole> = [.forget]
    public var beta1: Double, beta2: Double
    public init(beta1: Double = 5, beta2: Double = 1) { self.beta1 = beta1; self.beta2 = beta2 }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        tokenWeightedAscent(ctx, scale: scale, into: &gradient) { p, _ in
            Foundation.pow(p, beta1) * Foundation.pow(1 - p, beta2)
        }
    }
}

/// Preference optimisation towards a refusal (PO / IdK, [GE]): the token-mean NLL of a refusal
/// answer to each forget question, `L = −(1/N_r)·Σ m·log p(refusal)`. It acts on the refusal rows
/// (token weights `−m/N_r` there), not on the true answers.
public struct RefusalTuning: ObjectiveTerm {
    public let name = "po"
    public let roles: Set<BatchRole> = [.forget, .refusal]
    public init() {}
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        var value = tokenMeanNLL(ctx, role: .refusal, scale: scale, into: &gradient)
        value.instanceWeights = Array(repeating: 1, count: ctx.rows(.forget).count)
        return value
    }
}

/// The token-mean answer NLL of the rows of `role`, `L = −(1/N)·Σ m·log p(y)`, with token weights
/// `−m/N` (0 when the rows hold no answer token).
func tokenMeanNLL(_ ctx: ObjectiveContext, role: BatchRole, scale: Double,
                  into gradient: inout ObjectiveGradient) -> TermValue {
    let positions = ctx.positions(role), mask = ctx.mask, N = ctx.tokenDenominator(role)
    var weights = [Double](repeating: 0, count: positions.count), value = 0.0
    guard N > 0 else { return TermValue(value: 0, tokenWeights: [role: weights]) }
    for (i, n) in positions.enumerated() where mask[n] != 0 {
        weights[i] = -Double(mask[n]) / N
        value += weights[i] * Double(ctx.current.targetLogProbs[n])
    }
    gradient.addLogProbGradient(weights.map { $0 * scale }, positions: positions, results: ctx.current,
                                targets: ctx.batch.tokens.targets)
    return TermValue(value: value, tokenWeights: [role: weights])
}
