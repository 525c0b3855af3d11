import Datasets
import Model
import NumericCore
import Unlearning

/// Full-set gradients, computed in chunks of rows whose gradients add up in `model.gradients`.
///
/// A set is cut into chunks in order of sample length (`chunks`) and each chunk is padded to its
/// own longest sample, not to the run's: padding costs as much as real positions and adds
/// nothing. Only the measurement's last bits depend on how a set is cut, never the run's
/// trajectory (the steps take their own gradients).
enum SetGradients {
    /// The chunks `samples` are measured in: their indices ordered by length (ties by index), cut
    /// into runs of `chunk`. Depends on the data alone.
    static func chunks(_ samples: [FormattedSample], chunk: Int) -> [[Int]] {
        let order = samples.indices.sorted { (samples[$0].length, $0) < (samples[$1].length, $1) }
        return stride(from: 0, to: order.count, by: chunk).map { Array(order[$0..<min($0 + chunk, order.count)]) }
    }

    /// The positions a chunk's rows are padded to: the longest of `samples`.
    static func paddedLength(_ samples: [FormattedSample]) -> Int { samples.map(\.length).max() ?? 1 }

    /// Puts row b of `values` (rows of `from` positions) at row `rows[b]` of `out` (rows of `to`).
    static func scatter(_ values: ArraySlice<Double>, from: Int, rows: [Int], into out: inout [Double], to: Int) {
        precondition(values.count == rows.count * from && from <= to)
        let first = values.startIndex
        for (b, i) in rows.enumerated() {
            out[(i * to)..<(i * to + from)] = values[(first + b * from)..<(first + (b + 1) * from)]
        }
    }

    /// The risk of `set` and its gradient `∇R` left in `model.gradients`:
    /// `R = Σ_chunks Σ m·(−log p(y)) / N`, each chunk's logit gradient scaled by the set's N.
    /// The chunks run last to first, so that the model's last forward pass is on the first chunk
    /// (which an objective pass over the same samples can reuse).
    static func risk(_ model: any CausalLanguageModel, _ set: RiskSet, padding: Int32, chunk: Int) throws -> Double {
        model.zeroGradients()
        let N = Double(set.answerTokens)
        guard N > 0 else { return 0 }
        var total = 0.0
        for rows in chunks(set.samples, chunk: chunk).reversed() {
            let b = TokenBatch(
                samples: set.samples, indices: rows, padding: padding,
                fixedLength: paddedLength(rows.map { set.samples[$0] }))
            let chunkMean = try model.forward(
                tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq, scope: .loss)
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
    /// Results are in the forget set's order whatever the chunks; token-level ones are rows of `T`
    /// positions (at least the longest sample), zero past each chunk's padded length.
    /// `forgetIndices` are the rows' indices in the run's forget split: the reference cache keys
    /// its rows by them. `reuseForward`: the parameters have not changed since the model's last
    /// forward pass, which the first chunk reuses if it ran on the same inputs (the first chunk of
    /// a risk set of the same samples, which `risk` runs last).
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
        let N = data.forget.count
        var pass = ForgetPass()
        pass.instanceWeights = Array(repeating: .nan, count: N)
        pass.instanceNLL = Array(repeating: .nan, count: N)
        pass.tokenWeights = Array(repeating: 0, count: N * T)
        pass.tokenShares = directions.map { _ in Array(repeating: 0, count: N * T) }
        pass.refusalShares = directions.map { _ in needsRefusal ? Array(repeating: 0, count: N * T) : [] }
        pass.pgEffects = directions.map { _ in Array(repeating: 0, count: N) }
        for (c, rows) in chunks(data.forget, chunk: chunk).enumerated() {
            let forget = rows.map { data.forget[$0] }, refusal = needsRefusal ? rows.map { data.refusal[$0] } : []
            let Tc = paddedLength(forget + refusal)
            var batch = ObjectiveBatch(
                forget: forget, forgetIndices: rows.map { forgetIndices[$0] }, refusal: refusal,
                padding: data.padding, fixedLength: Tc)
            batch.denominators = totals
            let e = try objective.evaluate(
                model: model, reference: reference, batch: batch, part: .forget, accumulate: true,
                referenceCache: referenceCache, reuseForward: reuseForward && c == 0)
            pass.value += e.forget.value
            if !e.forget.instanceWeights.isEmpty {
                for (b, i) in rows.enumerated() { pass.instanceWeights[i] = e.forget.instanceWeights[b] }
            }
            if let w = e.forget.tokenWeights[.forget] { scatter(w[...], from: Tc, rows: rows, into: &pass.tokenWeights, to: T) }
            let logp = model.targetLogProbs, mask = batch.tokens.mask
            for (b, i) in rows.enumerated() {
                var nll = 0.0, count = 0.0
                for n in (b * Tc)..<((b + 1) * Tc) where mask[n] != 0 {
                    nll -= Double(mask[n]) * Double(logp[n]); count += Double(mask[n])
                }
                pass.instanceNLL[i] = count > 0 ? nll / count : .nan
            }
            let forgetRows = batch.rows[.forget]!, refusalRows = batch.rows[.refusal]
            for (k, v) in directions.enumerated() {
                let (shares, lpTangents) = PositionShares.compute(
                    model, direction: v, logitGradient: model.logitGradientScratch.baseAddress!,
                    hiddenGradients: e.hiddenGradients)
                scatter(
                    shares[(forgetRows.lowerBound * Tc)..<(forgetRows.upperBound * Tc)], from: Tc, rows: rows,
                    into: &pass.tokenShares[k], to: T)
                if let r = refusalRows {
                    scatter(
                        shares[(r.lowerBound * Tc)..<(r.upperBound * Tc)], from: Tc, rows: rows,
                        into: &pass.refusalShares[k], to: T)
                }
                for (b, i) in zip(forgetRows, rows) {
                    var pg = 0.0
                    for n in (b * Tc)..<((b + 1) * Tc) where mask[n] != 0 { pg += Double(mask[n]) * Double(lpTangents[n]) }
                    pass.pgEffects[k][i] = pg
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
        padding: Int32, chunk: Int
    ) throws -> Double {
        model.zeroGradients()
        let totals: [BatchRole: ObjectiveBatch.Denominator] = [
            .retain: .init(of: retain)
        ]
        var value = 0.0
        for rows in chunks(retain, chunk: chunk) {
            // A retain chunk has no forget rows: only the retain term is evaluated.
            let samples = rows.map { retain[$0] }
            var batch = ObjectiveBatch(
                forget: [], forgetIndices: [], retain: samples, padding: padding, fixedLength: paddedLength(samples))
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
