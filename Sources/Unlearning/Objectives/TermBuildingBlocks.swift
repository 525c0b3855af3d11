import Foundation

/// The pieces several objective terms share: stable log-sigmoids, per-row sequence weights, the
/// token-weighted ascent form and the token-mean NLL.

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
func sequenceWeights(
    _ ctx: ObjectiveContext, role: BatchRole, rowCoefficients: [Double], scale: Double,
    into gradient: inout ObjectiveGradient
) -> [Double] {
    let positions = ctx.positions(role), T = ctx.seq, mask = ctx.mask
    var weights = [Double](repeating: 0, count: positions.count)
    for (i, n) in positions.enumerated() where mask[n] != 0 {
        weights[i] = rowCoefficients[i / T] * Double(mask[n])
    }
    gradient.addLogProbGradient(
        weights.map { $0 * scale }, positions: positions, results: ctx.current,
        targets: ctx.batch.tokens.targets)
    return weights
}

/// The shared form of the token-level forget losses: with a stop-gradient factor `f` per token,
///
///     L = (1/N)·Σ_{b,t} m[b,t]·f[b,t]·log p(y[b,t]),      N = Σ m over the forget rows,
///
/// whose gradient is `Σ w·∇log p` with token weights `w = m·f/N`. The instance weight is the mean
/// of `f` over the instance's answer tokens.
func tokenWeightedAscent(
    _ ctx: ObjectiveContext, scale: Double, into gradient: inout ObjectiveGradient,
    factor: (_ p: Double, _ position: Int) -> Double
) -> TermValue {
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
    gradient.addLogProbGradient(
        weights.map { $0 * scale }, positions: positions, results: ctx.current,
        targets: ctx.batch.tokens.targets)
    return TermValue(value: value, tokenWeights: [.forget: weights], instanceWeights: instance)
}

/// The token-mean answer NLL of the rows of `role`, `L = −(1/N)·Σ m·log p(y)`, with token weights
/// `−m/N` (0 when the rows hold no answer token).
func tokenMeanNLL(
    _ ctx: ObjectiveContext, role: BatchRole, scale: Double,
    into gradient: inout ObjectiveGradient
) -> TermValue {
    let positions = ctx.positions(role), mask = ctx.mask, N = ctx.tokenDenominator(role)
    var weights = [Double](repeating: 0, count: positions.count), value = 0.0
    guard N > 0 else { return TermValue(value: 0, tokenWeights: [role: weights]) }
    for (i, n) in positions.enumerated() where mask[n] != 0 {
        weights[i] = -Double(mask[n]) / N
        value += weights[i] * Double(ctx.current.targetLogProbs[n])
    }
    gradient.addLogProbGradient(
        weights.map { $0 * scale }, positions: positions, results: ctx.current,
        targets: ctx.batch.tokens.targets)
    return TermValue(value: value, tokenWeights: [role: weights])
}
