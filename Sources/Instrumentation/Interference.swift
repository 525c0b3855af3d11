import Datasets
import Model
import NumericCore
import Unlearning

/// Forget × retain interference at θ_t: for forget instance i and item j of a risk set R with
/// N answer tokens,
///
///     I[i, j]    = ⟨∇ℓ_j, ∇(γ·L_i)⟩,   ℓ_j = Σ_t m_jt·(−log p(y_jt)) / N,
///     I[i, j, t] = −m_jt·⟨∇log p(y_jt), ∇(γ·L_i)⟩ / N,
///
/// with L_i instance i's share of the objective's forget term over the whole measured set (the
/// term on instance i alone, divided by the whole set's totals), so that `Σ_t I[i,j,t] = I[i,j]`
/// and `Σ_j I[i,j]` is instance i's G-effect on R (`/geffect/<set>/instance`).
///
/// Computed exactly without N_f·N_r backward passes: one backward pass per forget instance gives
/// ∇(γL_i); one forward-mode pass over R's chunks along it gives every `⟨∇log p(y_jt), ∇(γL_i)⟩`
/// at once. That order (not the transpose: a backward pass per retain item, then forward-mode
/// passes over the forget set) is the cheaper one: the forget set is the smaller (TOFU's forget01
/// has 40 items, the retain risk set 100), the per-token split is on the retain side where
/// forward mode gives it directly, and forward mode over the forget set would need each chunk's
/// objective logit gradient again for every retain item.
enum Interference {
    /// `I[i, j]` (N_f, N_r) and `I[i, j, t]` (N_f, N_r, T) for each of `sets`; leaves
    /// `model.gradients` holding the last instance's gradient. With a `mask`, of the masked
    /// update: `⟨∇ℓ_j, m ⊙ ∇(γ·L_i)⟩`.
    static func compute(
        _ objective: UnlearningObjective, model: any CausalLanguageModel, reference: (any CausalLanguageModel)?,
        referenceCache: ReferenceCache, data: UnlearningData, forgetIndices: [Int], sets: [RiskSet], length T: Int,
        chunk: Int, mask: UpdateMask? = nil
    ) throws -> [(instance: [Double], token: [Double])] {
        let needsRefusal = objective.forget.roles.contains(.refusal)
        var totals: [BatchRole: ObjectiveBatch.Denominator] = [.forget: .init(of: data.forget)]
        if needsRefusal { totals[.refusal] = .init(of: data.refusal) }
        let Nf = data.forget.count
        var out = sets.map { s in
            (
                instance: [Double](repeating: 0, count: Nf * s.samples.count),
                token: [Double](repeating: 0, count: Nf * s.samples.count * T)
            )
        }
        let direction = FloatBuffer(count: model.parameterCount)
        for i in 0..<Nf {
            let forget = [data.forget[i]], refusal = needsRefusal ? [data.refusal[i]] : []
            var batch = ObjectiveBatch(
                forget: forget, forgetIndices: [forgetIndices[i]], refusal: refusal, padding: data.padding,
                fixedLength: SetGradients.paddedLength(forget + refusal))
            batch.denominators = totals
            _ = try PhaseClock.measure("interference: instance gradients") {
                try objective.evaluate(
                    model: model, reference: reference, batch: batch, part: .forget, referenceCache: referenceCache)
            }
            direction.base.update(from: model.gradients.base, count: direction.count)
            mask?.restrict(direction)
            for (k, set) in sets.enumerated() {
                let N = Double(set.answerTokens), Nr = set.samples.count
                guard N > 0 else { continue }
                for rows in SetGradients.chunks(set.samples, chunk: chunk) {
                    let Tc = SetGradients.paddedLength(rows.map { set.samples[$0] })
                    let b = TokenBatch(samples: set.samples, indices: rows, padding: data.padding, fixedLength: Tc)
                    let tangents = try PhaseClock.measure("interference: forward mode") {
                        try model.forward(
                            tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq, scope: .loss)
                        return model.directionalDerivative(
                            along: UnsafePointer(direction.base), hiddenBlocks: [], outputs: .logProbs
                        ).targetLogProbs
                    }
                    for (row, j) in rows.enumerated() {
                        var sum = 0.0
                        for t in 0..<Tc where b.mask[row * Tc + t] != 0 {
                            let share = -Double(b.mask[row * Tc + t]) * Double(tangents[row * Tc + t]) / N
                            out[k].token[(i * Nr + j) * T + t] = share
                            sum += share
                        }
                        out[k].instance[i * Nr + j] = sum
                    }
                }
            }
        }
        return out
    }
}
