import Datasets
import Model
import NumericCore
import Unlearning

/// Full-set gradients, computed in chunks of rows whose gradients add up in `model.gradients`.
enum SetGradients {
    /// The risk of `set` and its gradient `∇R` left in `model.gradients`:
    /// `R = Σ_chunks Σ m·(−log p(y)) / N`, each chunk's logit gradient scaled by the set's N.
    /// The chunks run last to first, so that the model's last forward pass is on the first chunk
    /// (which an objective pass over the same samples can reuse).
    static func risk(_ model: any CausalLanguageModel, _ set: RiskSet, padding: Int32, length: Int, chunk: Int) throws -> Double {
        model.zeroGradients()
        let N = Double(set.answerTokens)
        guard N > 0 else { return 0 }
        var total = 0.0
        for start in stride(from: 0, to: set.samples.count, by: chunk).reversed() {
            let b = TokenBatch(
                samples: set.samples, indices: Array(start..<min(start + chunk, set.samples.count)),
                padding: padding, fixedLength: length)
            let chunkMean = try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq)
            total += chunkMean * Double(b.maskedCount)
            let d = model.logitGradientScratch.baseAddress!
            model.nllLogitGradient(coefficients: b.mask.map { Float(Double($0) / N) }, into: d)
            model.backward(logitGradient: d)
        }
        return total / N
    }

    /// What the objective's forget term does over the whole forget set.
    struct ForgetPass {
        var value = 0.0
        /// Per forget instance, in the set's order.
        var instanceWeights: [Double] = [], instanceNLL: [Double] = []
        /// (N, T) token weights on the true answers (0 where the objective has none there).
        var tokenWeights: [Double] = []
        /// Per direction v (risk gradient): the forget term's G-effect `⟨v, γ∇L_f⟩` split by
        /// position, (N, T) on the true-answer rows and (N, T) on the refusal rows (empty when the
        /// objective reads none); and the PG-effect `⟨v, ∇log p(s_i)⟩` of each instance.
        var tokenShares: [[Double]] = [], refusalShares: [[Double]] = [], pgEffects: [[Double]] = []
    }

    /// The objective's scaled forget term `γ·L_f` over every forget instance (with its refusal),
    /// its gradient left in `model.gradients`, and its G-effect along each of `directions` split by
    /// instance and token (one forward-mode pass per direction and chunk, `PositionShares`).
    /// `forgetIndices` are the rows' indices in the run's forget split: the reference cache keys
    /// its rows by them. `reuseForward`: the parameters have not changed since the model's last
    /// forward pass, which the first chunk reuses if it ran on the same inputs.
    static func forgetTerm(
        _ objective: UnlearningObjective, model: any CausalLanguageModel, reference: (any CausalLanguageModel)?,
        referenceCache: ReferenceCache,
        data: UnlearningData, forgetIndices: [Int], length T: Int, chunk: Int,
        directions: [FloatBuffer], reuseForward: Bool = false
    ) throws -> ForgetPass {
        precondition(forgetIndices.count == data.forget.count)
        model.zeroGradients()
        let needsRefusal = objective.forget.roles.contains(.refusal)
        var totals: [BatchRole: ObjectiveBatch.Denominator] = [
            .forget: .init(of: data.forget)
        ]
        if needsRefusal {
            totals[.refusal] = .init(of: data.refusal)
        }
        var pass = ForgetPass()
        pass.tokenShares = directions.map { _ in [] }
        pass.refusalShares = directions.map { _ in [] }
        pass.pgEffects = directions.map { _ in [] }
        for start in stride(from: 0, to: data.forget.count, by: chunk) {
            let rows = Array(start..<min(start + chunk, data.forget.count))
            var batch = ObjectiveBatch(
                forget: rows.map { data.forget[$0] }, forgetIndices: rows.map { forgetIndices[$0] },
                refusal: needsRefusal ? rows.map { data.refusal[$0] } : [],
                padding: data.padding, fixedLength: T)
            batch.denominators = totals
            let e = try objective.evaluate(
                model: model, reference: reference, batch: batch, part: .forget, accumulate: true,
                referenceCache: referenceCache, reuseForward: reuseForward && start == 0)
            pass.value += e.forget.value
            pass.instanceWeights +=
                e.forget.instanceWeights.isEmpty
                ? Array(repeating: .nan, count: rows.count)
                : e.forget.instanceWeights
            pass.tokenWeights += e.forget.tokenWeights[.forget] ?? Array(repeating: 0, count: rows.count * T)
            let logp = model.targetLogProbs, mask = batch.tokens.mask
            for b in 0..<rows.count {
                var nll = 0.0, count = 0.0
                for n in (b * T)..<((b + 1) * T) where mask[n] != 0 {
                    nll -= Double(mask[n]) * Double(logp[n]); count += Double(mask[n])
                }
                pass.instanceNLL.append(count > 0 ? nll / count : .nan)
            }
            let forgetRows = batch.rows[.forget]!, refusalRows = batch.rows[.refusal]
            for (k, v) in directions.enumerated() {
                let (shares, lpTangents) = PositionShares.compute(
                    model, direction: v, logitGradient: model.logitGradientScratch.baseAddress!,
                    hiddenGradients: e.hiddenGradients)
                pass.tokenShares[k] += shares[(forgetRows.lowerBound * T)..<(forgetRows.upperBound * T)]
                if let r = refusalRows { pass.refusalShares[k] += shares[(r.lowerBound * T)..<(r.upperBound * T)] }
                for b in forgetRows {
                    var pg = 0.0
                    for n in (b * T)..<((b + 1) * T) where mask[n] != 0 { pg += Double(mask[n]) * Double(lpTangents[n]) }
                    pass.pgEffects[k].append(pg)
                }
            }
        }
        return pass
    }

    /// The objective's scaled retain term `α·L_r` over the fixed retain set, its gradient left in
    /// `model.gradients`; returns its value.
    static func retainTerm(
        _ objective: UnlearningObjective, model: any CausalLanguageModel, reference: (any CausalLanguageModel)?,
        retain: [FormattedSample],
        padding: Int32, length: Int, chunk: Int
    ) throws -> Double {
        model.zeroGradients()
        let totals: [BatchRole: ObjectiveBatch.Denominator] = [
            .retain: .init(of: retain)
        ]
        var value = 0.0
        for start in stride(from: 0, to: retain.count, by: chunk) {
            let rows = Array(start..<min(start + chunk, retain.count))
            // A retain chunk has no forget rows: only the retain term is evaluated.
            var batch = ObjectiveBatch(
                forget: [], forgetIndices: [], retain: rows.map { retain[$0] },
                padding: padding, fixedLength: length)
            batch.denominators = totals
            value +=
                try objective.evaluate(
                    model: model, reference: reference, batch: batch, part: .retain,
                    accumulate: true
                ).retain?.value ?? 0
        }
        return value
    }
}
