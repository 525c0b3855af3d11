import Datasets
import Model
import NumericCore
import Unlearning

/// How the instrumentation takes its gradients.
package enum GEffectMode: Equatable, Sendable {
    /// Full-set (or fixed-subset) gradients in Float32 with Float64 dot products, per-instance and
    /// per-token shares, PG-effects and update effects: gscope's default.
    case exact
    /// As the public code of the G-effect paper does (REFERENCE §1), for comparing with its curves.
    case paper(PaperProtocol)
}

/// The G-effect paper's measurement (REFERENCE §1). The measured forget instances, in order, in
/// micro-batches of `microBatch`; for micro-batch j the gradients of
/// - the forget risk: the token-mean answer NLL of the micro-batch itself,
/// - every other risk set's NLL on `microBatch` of its samples drawn at random,
/// - the objective on the micro-batch, its retain term on `microBatch` retain samples drawn at random,
///
/// each smoothed across micro-batches, `ḡ_j = keep·ḡ_{j−1} + (1 − keep)·g_j` with `ḡ_1 = g_1`;
/// after the last micro-batch `e_p = ⟨ḡ_R,p, ḡ_L,p⟩` for every tensor p. Risk values and losses are
/// the means over the micro-batches. The paper's code runs in bf16; gscope keeps Float32.
package struct PaperProtocol: Equatable, Sendable {
    package var microBatch: Int
    /// The weight of the old average.
    package var keep: Float
    /// Seeds the random draws; a step's draws depend on the seed and the step only.
    package var seed: UInt64

    package init(microBatch: Int = 4, keep: Float = 0.6, seed: UInt64) {
        precondition(microBatch >= 1 && keep >= 0 && keep < 1)
        self.microBatch = microBatch
        self.keep = keep
        self.seed = seed
    }
}

extension Instrumenter {
    /// Measures as `PaperProtocol` describes: no per-instance or per-token G-effects and no update
    /// effects (there is no full-set risk gradient), but the objective's weights and NLL of every
    /// measured instance.
    func measureAsThePaper(step: Int, _ paper: PaperProtocol) throws -> StepMeasurement {
        let model = unlearner.model, objective = unlearner.objective, data = measuredData
        let T = length, B = paper.microBatch
        var rng = RNG(seed: paper.seed).fork(UInt64(step))
        let inputSide = tiedSlot.map { FloatBuffer(count: $0.count) }   // this micro-batch's, per term
        var riskValues = [Double](repeating: 0, count: riskSets.count)
        var forgetValue = 0.0, retainValue = 0.0
        var instanceWeights: [Double] = [], instanceNLL: [Double] = [], tokenWeights: [Double] = []

        let starts = Array(stride(from: 0, to: data.forget.count, by: B))
        for (j, start) in starts.enumerated() {
            let first = j == 0
            let rows = Array(start..<min(start + B, data.forget.count))
            for (k, set) in riskSets.enumerated() {
                let samples = k == 0 ? rows.map { data.forget[$0] } : Self.draw(B, from: set.samples, rng: &rng)
                riskValues[k] += try SetGradients.risk(
                    model, RiskSet(name: set.name, samples: samples), padding: data.padding, chunk: chunk)
                smooth(riskGradients[k], with: model.gradients, first: first, keep: paper.keep)
            }

            inputSide?.zero()
            model.inputEmbeddingGradient = inputSide
            let micro = UnlearningData(
                forget: rows.map { data.forget[$0] },
                refusal: data.refusal.isEmpty ? [] : rows.map { data.refusal[$0] },
                padding: data.padding)
            let forget = try SetGradients.forgetTerm(
                objective, model: model, reference: unlearner.reference,
                referenceCache: referenceCache, data: micro,
                forgetIndices: rows.map { measuredForget[$0] }, length: T, chunk: chunk,
                directions: [])
            smooth(forgetGradient, with: model.gradients, first: first, keep: paper.keep)
            if let inputSide, let forgetInputSide { smooth(forgetInputSide, with: inputSide, first: first, keep: paper.keep) }
            forgetValue += forget.value
            instanceWeights += forget.instanceWeights
            instanceNLL += forget.instanceNLL
            tokenWeights += forget.tokenWeights

            if objective.retain != nil {
                inputSide?.zero()
                retainValue += try SetGradients.retainTerm(
                    objective, model: model, reference: unlearner.reference,
                    retain: Self.draw(B, from: retainSet, rng: &rng),
                    padding: data.padding, chunk: chunk)
                smooth(retainGradient, with: model.gradients, first: first, keep: paper.keep)
                if let inputSide, let retainInputSide { smooth(retainInputSide, with: inputSide, first: first, keep: paper.keep) }
            }
            model.inputEmbeddingGradient = nil
        }
        if objective.retain == nil {
            retainGradient.zero()
            retainInputSide?.zero()
        }
        measured = true
        let norms = restrictToTheMask()
        let l1 = objective.sparsity == nil ? nil : l1Products(step: step)

        let n = Double(starts.count), slots = model.layout.slots
        let risks = riskSets.indices.map { k in
            let g = riskGradients[k]
            let f = slots.map { Reduce.dot(g.base + $0.offset, forgetGradient.base + $0.offset, count: $0.count) }
            let retainOnly = slots.map { Reduce.dot(g.base + $0.offset, retainGradient.base + $0.offset, count: $0.count) }
            let r = Self.adding(retainOnly, l1?.tensor[k])
            let tiedInput = tiedSlot.map { s in
                Reduce.dot(g.base + s.offset, forgetInputSide!.base, count: s.count)
                    + Reduce.dot(g.base + s.offset, retainInputSide!.base, count: s.count)
            }
            return RiskMeasurement(
                name: riskSets[k].name, value: riskValues[k] / n, gradNorm2: norms[k],
                tensor: zip(f, r).map(+), forgetTerm: f.reduce(0, +), retainTerm: retainOnly.reduce(0, +),
                l1Term: l1?.tensor[k].reduce(0, +) ?? 0,
                token: [], refusalToken: [], instance: [], pgEffect: [], tiedInput: tiedInput,
                units: [UnitProducts(g.base, retainGradient.base, units: units), l1?.units[k]].compactMap { $0 }
                    .reduce(UnitProducts(g.base, forgetGradient.base, units: units), +),
                layout: model.layout)
        }
        let retain = objective.retain == nil ? nil : retainValue / n
        var m = StepMeasurement(
            step: step, risks: risks,
            loss: objective.forgetWeight * forgetValue / n + objective.retainWeight * (retain ?? 0) + (l1?.value ?? 0),
            forget: forgetValue / n, retain: retain, instanceWeights: instanceWeights,
            instanceNLL: instanceNLL, tokenWeights: tokenWeights)
        m.l1 = l1?.value
        return m
    }

    /// `count` samples drawn at random without replacement (all of them when there are fewer).
    private static func draw(_ count: Int, from samples: [FormattedSample], rng: inout RNG) -> [FormattedSample] {
        IndexOrder.shuffled(count: samples.count, rng: &rng).prefix(count).map { samples[$0] }
    }

    /// `average ← keep·average + (1 − keep)·current`, or `average ← current` for the first.
    private func smooth(_ average: FloatBuffer, with current: FloatBuffer, first: Bool, keep: Float) {
        let a = average.base, c = current.base
        if first {
            a.update(from: c, count: average.count)
            return
        }
        let fresh = 1 - keep
        for i in 0..<average.count { a[i] = keep * a[i] + fresh * c[i] }
    }
}
