import Foundation

/// `log σ(x)`, stable for every x.
@inline(__always) func logSigmoid(_ x: Double) -> Double {
    -(Swift.max(-x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))))
}

/// `σ(x) = 1/(1 + e^−x)`.
@inline(__always) func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
}

/// Spreads per-row coefficients on `log p(s_b) = −ℓ_b` over the row's answer tokens:
/// `w[b,t] = c_b·m[b,t]`, and adds `scale·w` to the logit gradient.
func sequenceWeights(_ ctx: ObjectiveContext, role: BatchRole, rowCoefficients: [Double], scale: Double,
                     into gradient: inout ObjectiveGradient) -> [Double] {
    let positions = ctx.positions(role), T = ctx.seq, mask = ctx.mask
    var weights = [Double](repeating: 0, count: positions.count)
    for (i, n) in positions.enumerated() where mask[n] != 0 {
        weights[i] = rowCoefficients[i / T] * Double(mask[n])
    }
    gradient.addLogProbGradient(weights.map { $0 * scale }, positions: positions, results: ctx.current,
                                targets: ctx.batch.tokens.targets)
    return weights
}

/// Negative preference optimisation (NPO, [NPO]):
///
///     L = −(2/β)·(1/S)·Σ_b log σ(β·(ℓ_b − ℓ_o,b))  =  (2/β)·mean_b log(1 + (p(s_b)/p_o(s_b))^β)
///
/// with ℓ_b the summed answer NLL under θ and ℓ_o,b under θ_o, S the batch's instance count.
/// Gradient: `Σ_b (1/S)·2σ(−β(ℓ_b − ℓ_o,b))·∇log p(s_b)`; the instance weight
/// `2σ(−β(ℓ − ℓ_o)) = 2p^β/(p^β + p_o^β)` starts at 1 (θ = θ_o) and decays as s is unlearned.
public struct NPO: ObjectiveTerm {
    public let name = "npo"
    public let roles: Set<BatchRole> = [.forget]
    public let needsReference = true
    public let readsOnlyReferenceLogProbs = true
    public var beta: Double
    public init(beta: Double = 0.1) { self.beta = beta }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let rows = ctx.rows(.forget), S = ctx.instanceDenominator(.forget)
        var value = 0.0, instance: [Double] = [], coefficients: [Double] = []
        for b in rows {
            let x = beta * (ctx.sequenceNLL(ctx.current, row: b) - ctx.sequenceNLL(ctx.referenceResults, row: b))
            value -= 2 / beta * logSigmoid(x) / S
            instance.append(2 * sigmoid(-x))
            coefficients.append(2 * sigmoid(-x) / S)
        }
        let w = sequenceWeights(ctx, role: .forget, rowCoefficients: coefficients, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: w], instanceWeights: instance)
    }
}

/// SimNPO ([SIM]), reference-free and length-normalised:
///
///     L = −(2/β)·(1/S)·Σ_b log σ(β·ℓ_b/|s_b| − γ)
///
/// Gradient: `Σ_b (1/S)·(2/|s_b|)·σ(γ − β·ℓ_b/|s_b|)·∇log p(s_b)`; instance weight
/// `2σ(γ − β·ℓ/|s|)`. Rows without answer tokens contribute a constant and weight 0.
public struct SimNPO: ObjectiveTerm {
    public let name = "simnpo"
    public let roles: Set<BatchRole> = [.forget]
    public var beta: Double, gamma: Double
    public init(beta: Double = 2.5, gamma: Double = 0) { self.beta = beta; self.gamma = gamma }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let rows = ctx.rows(.forget), S = ctx.instanceDenominator(.forget)
        var value = 0.0, instance: [Double] = [], coefficients: [Double] = []
        for b in rows {
            let count = ctx.answerCount(row: b)
            guard count > 0 else {
                value -= 2 / beta * logSigmoid(-gamma) / S
                instance.append(0); coefficients.append(0)
                continue
            }
            let x = beta * ctx.sequenceNLL(ctx.current, row: b) / count - gamma
            value -= 2 / beta * logSigmoid(x) / S
            instance.append(2 * sigmoid(-x))
            coefficients.append(2 * sigmoid(-x) / (S * count))
        }
        let w = sequenceWeights(ctx, role: .forget, rowCoefficients: coefficients, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: w], instanceWeights: instance)
    }
}

/// DPO with a refusal as the preferred answer y_w and the true answer as the rejected y_l:
///
///     z_b = β·[(ℓ_o(y_w) − ℓ(y_w)) − (ℓ_o(y_l) − ℓ(y_l))],   L = −(2/β)·(1/S)·Σ_b log σ(z_b)
///
/// Gradient: `Σ_b (1/S)·2σ(−z_b)·[∇log p(y_l) − ∇log p(y_w)]`; instance weight `2σ(−z_b)`.
public struct IdkDPO: ObjectiveTerm {
    public let name = "idkdpo"
    public let roles: Set<BatchRole> = [.forget, .refusal]
    public let needsReference = true
    public let readsOnlyReferenceLogProbs = true
    public var beta: Double
    public init(beta: Double = 0.1) { self.beta = beta }
    public func evaluate(_ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient) -> TermValue {
        let forget = ctx.rows(.forget), refusal = ctx.rows(.refusal), S = ctx.instanceDenominator(.forget)
        precondition(refusal.count == forget.count, "IdkDPO needs one refusal row per forget row")
        let ref = ctx.referenceResults
        var value = 0.0, instance: [Double] = [], lose: [Double] = []
        for (l, w) in zip(forget, refusal) {
            let z = beta * ((ctx.sequenceNLL(ref, row: w) - ctx.sequenceNLL(ctx.current, row: w))
                            - (ctx.sequenceNLL(ref, row: l) - ctx.sequenceNLL(ctx.current, row: l)))
            value -= 2 / beta * logSigmoid(z) / S
            instance.append(2 * sigmoid(-z))
            lose.append(2 * sigmoid(-z) / S)
        }
        let wl = sequenceWeights(ctx, role: .forget, rowCoefficients: lose, scale: scale, into: &gradient)
        let ww = sequenceWeights(ctx, role: .refusal, rowCoefficients: lose.map { -$0 }, scale: scale, into: &gradient)
        return TermValue(value: value, tokenWeights: [.forget: wl, .refusal: ww], instanceWeights: instance)
    }
}
