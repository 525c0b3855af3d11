import Datasets
import Model
import NumericCore
import Unlearning

/// Measures the G-effects of an unlearning run: at a recorded step θ_t, the value and full
/// gradient of each risk set, the objective's full gradient (its forget term over the whole
/// forget set, its retain term over a fixed retain set) and their inner products per tensor and
/// per term; after the optimiser's update, the update effect per tensor.
///
/// It borrows the unlearner's model, reference and data and uses the model's gradient buffer as
/// scratch: call `measure` before an update and `updateEffects` after it. Measuring never changes
/// the run's trajectory: the step recomputes its own gradient on its own batch (a full-set
/// gradient summed over chunks, each padded to its own longest sample, has other last bits, and
/// Adam turns those into whole steps on parameters whose true gradient is zero), and the
/// reference model's cached log-probabilities are kept apart from the unlearner's.
package final class Instrumenter {
    package let unlearner: Unlearner
    package let riskSets: [RiskSet]
    /// The risk sets whose interference with each forget instance `measureInterference` gives.
    package let interferenceSets: [RiskSet]
    /// The fixed retain samples the objective's retain term is measured on.
    package let retainSet: [FormattedSample]
    /// Rows per forward/backward pass.
    package let chunk: Int
    /// How the gradients are taken: exactly over whole sets, or as the G-effect paper's code does.
    package let mode: GEffectMode
    /// The full gradient of each risk set at θ_t.
    let riskGradients: [FloatBuffer]
    /// Paper mode only (allocated on first use): the forget term's gradient averaged over the
    /// micro-batches, kept while the retain term's is taken. Exact mode takes each term's inner
    /// products straight from the model's gradient buffer.
    lazy var forgetGradient = FloatBuffer(count: unlearner.model.parameterCount)
    /// The input-embedding side of a term's tied-embedding gradient: the forget term's, then (in
    /// exact mode, after the forget term's inner products are taken) the retain term's.
    let forgetInputSide: FloatBuffer?
    /// Paper mode only (allocated on first use): the retain term's averaged gradient and its
    /// tied input side, which live beside the forget term's. Exact mode takes the retain term's
    /// inner products straight from the model's gradient buffer.
    lazy var retainGradient = FloatBuffer(count: unlearner.model.parameterCount)
    lazy var retainInputSide: FloatBuffer? = tiedSlot.map { FloatBuffer(count: $0.count) }
    let tiedSlot: TensorSlot?
    /// The model's heads, MLP unit groups and rest per block, for the G-effects below the tensor.
    let units: [BlockUnits]
    /// θ_t, kept by `measure`; `updateEffects` turns it into θ_t − θ_{t+1} in place.
    private let parametersBefore: FloatBuffer
    var measured = false
    /// θ_o's target log-probabilities on the measured forget (and refusal) samples, padded as the
    /// instrumentation's chunks are; the unlearner's steps keep their own.
    let referenceCache = ReferenceCache()

    /// The forget instances the objective is measured on (indices into the forget set, in order):
    /// all of them, or a fixed subset when the forget set is large.
    package let measuredForget: [Int]
    let measuredData: UnlearningData

    /// - measuredForget: the forget instances to measure the objective on (nil: all); their
    ///   per-instance and per-token values are what `measure` reports.
    /// - mode: `.paper` draws its retain micro-batches from the risk sets after the first, `forget`
    ///   (which must be the measured forget instances).
    /// - interference: the names of the risk sets whose interference with each forget instance
    ///   `measureInterference` gives.
    package init(
        unlearner: Unlearner, riskSets: [RiskSet], retainSet: [FormattedSample], chunk: Int = 16,
        measuredForget: [Int]? = nil, mode: GEffectMode = .exact, interference: [String] = []
    ) {
        precondition(chunk >= 1)
        interferenceSets = interference.map { name in
            guard let set = riskSets.first(where: { $0.name == name }) else {
                preconditionFailure("no risk set \(name) to measure interference on")
            }
            return set
        }
        let data = unlearner.data
        self.measuredForget = measuredForget ?? Array(data.forget.indices)
        measuredData =
            measuredForget.map { m in
                UnlearningData(
                    forget: m.map { data.forget[$0] }, refusal: data.refusal.isEmpty ? [] : m.map { data.refusal[$0] },
                    retain: data.retain, padding: data.padding)
            } ?? data
        let P = unlearner.model.parameterCount
        self.unlearner = unlearner
        self.riskSets = riskSets
        self.retainSet = retainSet
        self.chunk = chunk
        self.mode = mode
        riskGradients = riskSets.map { _ in FloatBuffer(count: P) }
        parametersBefore = FloatBuffer(count: P)
        tiedSlot = unlearner.model.layout.slots.first { $0.group == .tied }
        units = unlearner.model.blockUnits
        forgetInputSide = tiedSlot.map { FloatBuffer(count: $0.count) }
        // The exact mode's largest pass, a full chunk of the longest samples, allocated once: else
        // the first measurement would grow the arena chunk by chunk (SmolLM2's is about 2 GB). The
        // paper's micro-batches are smaller.
        if mode == .exact {
            let rows = max(1, ([measuredData.forget.count, retainSet.count] + riskSets.map(\.samples.count)).max()!)
            unlearner.model.reserveActivations(batch: min(chunk, rows), seq: length)
        }
    }

    /// The row width of the token-level results: the longest sample of the run's data and risk
    /// sets. Each pass is padded only to its own chunk's longest sample (`SetGradients`).
    package var length: Int {
        max(
            unlearner.data.sequenceLength, riskSets.flatMap(\.samples).map(\.length).max() ?? 1,
            retainSet.map(\.length).max() ?? 1)
    }

    /// Measures at the model's current parameters θ_t (after `step` updates).
    package func measure(step: Int) throws -> StepMeasurement {
        switch mode {
        case .exact: return try measureExactly(step: step)
        case .paper(let protocol_): return try measureAsThePaper(step: step, protocol_)
        }
    }

    /// The exact G-effects: full-set gradients, per-instance and per-token shares, PG-effects.
    private func measureExactly(step: Int) throws -> StepMeasurement {
        let model = unlearner.model, objective = unlearner.objective, data = measuredData
        let T = length, P = model.parameterCount
        // The forget risk last: the objective's first chunk reuses its forward pass when it has the same inputs.
        var values = [Double](repeating: 0, count: riskSets.count)
        try PhaseClock.measure("risk gradients") {
            for k in riskSets.indices.reversed() {
                values[k] = try SetGradients.risk(model, riskSets[k], padding: data.padding, chunk: chunk)
                riskGradients[k].base.update(from: model.gradients.base, count: P)
            }
        }
        let norms = restrictToTheMask()
        forgetInputSide?.zero()
        model.inputEmbeddingGradient = forgetInputSide
        let forget = try PhaseClock.measure("objective's forget term") {
            try SetGradients.forgetTerm(
                objective, model: model, reference: unlearner.reference,
                referenceCache: referenceCache, data: data,
                forgetIndices: measuredForget, length: T, chunk: chunk, directions: riskGradients,
                reuseForward: true)
        }
        // The forget term's inner products now, from the gradient buffer backward left them in,
        // so that the buffer and the tied input side can take the retain term's next.
        let (forgetTensor, forgetTiedInput, forgetUnits) = PhaseClock.measure("per-tensor inner products") { tensorProducts() }
        var retainValue: Double?
        var retainTensor = riskGradients.map { _ in model.layout.slots.map { _ in 0.0 } }
        var retainTiedInput = riskGradients.map { _ in tiedSlot.map { _ in 0.0 } }
        var retainUnits: [UnitProducts]?
        if objective.retain != nil {
            forgetInputSide?.zero()
            model.inputEmbeddingGradient = forgetInputSide
            retainValue = try PhaseClock.measure("objective's retain term") {
                try SetGradients.retainTerm(
                    objective, model: model, reference: unlearner.reference,
                    retain: retainSet, padding: data.padding, chunk: chunk)
            }
            let products = PhaseClock.measure("per-tensor inner products") { tensorProducts() }
            (retainTensor, retainTiedInput, retainUnits) = (products.tensor, products.tiedInput, products.units)
        }
        model.inputEmbeddingGradient = nil
        let l1 = objective.sparsity == nil ? nil : PhaseClock.measure("per-tensor inner products") { l1Products(step: step) }
        parametersBefore.base.update(from: model.parameters.base, count: P)
        measured = true

        let risks = riskSets.indices.map { k in
            let f = forgetTensor[k], r = Self.adding(retainTensor[k], l1?.tensor[k])
            let token = forget.tokenShares[k], refusal = forget.refusalShares[k]
            let instance = (0..<data.forget.count).map { i in
                token[(i * T)..<((i + 1) * T)].reduce(0, +)
                    + (refusal.isEmpty ? 0 : refusal[(i * T)..<((i + 1) * T)].reduce(0, +))
            }
            let tiedInput = forgetTiedInput[k].map { $0 + retainTiedInput[k]! }
            return RiskMeasurement(
                name: riskSets[k].name, value: values[k], gradNorm2: norms[k],
                tensor: zip(f, r).map(+), forgetTerm: f.reduce(0, +), retainTerm: retainTensor[k].reduce(0, +),
                l1Term: l1?.tensor[k].reduce(0, +) ?? 0, token: token, refusalToken: refusal, instance: instance,
                pgEffect: forget.pgEffects[k],
                tiedInput: tiedInput,
                units: [retainUnits?[k], l1?.units[k]].compactMap { $0 }.reduce(forgetUnits[k], +),
                layout: model.layout)
        }
        let loss = objective.forgetWeight * forget.value + objective.retainWeight * (retainValue ?? 0) + (l1?.value ?? 0)
        var m = StepMeasurement(
            step: step, risks: risks,
            loss: loss,
            forget: forget.value, retain: retainValue, instanceWeights: forget.instanceWeights,
            instanceNLL: forget.instanceNLL, tokenWeights: forget.tokenWeights)
        m.l1 = l1?.value
        return m
    }

    /// Forget × risk-set interference at the model's current parameters θ_t (after `step`
    /// updates), for each of `interferenceSets` (``Interference``). Like `measure`, it uses the
    /// model's gradient buffer as scratch and changes nothing the run's steps read.
    package func measureInterference(step: Int) throws -> InterferenceMeasurement {
        let model = unlearner.model
        model.inputEmbeddingGradient = nil
        let matrices = try Interference.compute(
            unlearner.objective, model: model, reference: unlearner.reference, referenceCache: referenceCache,
            data: measuredData, forgetIndices: measuredForget, sets: interferenceSets, length: length, chunk: chunk,
            mask: unlearner.mask)
        return InterferenceMeasurement(
            step: step,
            sets: zip(interferenceSets, matrices).map { .init(name: $0.name, instance: $1.instance, token: $1.token) })
    }

    /// The objective's ℓ1 penalty at θ_t for the update that follows it (step t + 1's α_e): its
    /// value α_e·‖θ_t‖₁, and `⟨∇R_k, α_e·sign(θ_t)⟩` per risk set and tensor and per unit.
    func l1Products(step: Int) -> (value: Double, tensor: [[Double]], units: [UnitProducts]) {
        let model = unlearner.model, slots = model.layout.slots
        let g = FloatBuffer(count: model.parameterCount)
        let value = L1Sparsity.apply(weight: unlearner.l1Weight(step: step + 1), parameters: model.parameters, addingTo: g)
        return (
            value,
            riskGradients.map { r in slots.map { Reduce.dot(r.base + $0.offset, g.base + $0.offset, count: $0.count) } },
            riskGradients.map { UnitProducts($0.base, g.base, units: units) }
        )
    }

    /// `a + b` element by element, or `a` when there is no `b` (a term the objective lacks).
    static func adding(_ a: [Double], _ b: [Double]?) -> [Double] { b.map { zip(a, $0).map(+) } ?? a }

    /// ‖∇R_k‖² of each risk gradient; then, when the run's updates are restricted to a mask, each
    /// risk gradient restricted to it, `m ⊙ ∇R_k`: every G-effect is then that of the masked
    /// update, `⟨∇R, m ⊙ ∇L⟩ = ⟨m ⊙ ∇R, ∇L⟩` (per tensor, instance and token alike), and update
    /// effects are unchanged (the update is 0 off the mask).
    func restrictToTheMask() -> [Double] {
        let norms = riskGradients.map { Reduce.dot($0.base, $0.base, count: $0.count) }
        if let mask = unlearner.mask { riskGradients.forEach(mask.restrict) }
        return norms
    }

    /// `⟨∇R_k, g_p⟩` for each risk set k and tensor p, with g the gradient in `model.gradients`,
    /// `⟨∇R_k, g_in⟩` on the tied embedding's input side (nil without a tied embedding), and
    /// `⟨∇R_k, g⟩` per head, MLP unit group and block rest.
    private func tensorProducts() -> (tensor: [[Double]], tiedInput: [Double?], units: [UnitProducts]) {
        let g = unlearner.model.gradients.base, slots = unlearner.model.layout.slots
        return (
            riskGradients.map { r in slots.map { Reduce.dot(r.base + $0.offset, g + $0.offset, count: $0.count) } },
            riskGradients.map { r in tiedSlot.map { s in Reduce.dot(r.base + s.offset, forgetInputSide!.base, count: s.count) } },
            riskGradients.map { UnitProducts($0.base, g, units: units) }
        )
    }

    /// After the update that followed `measure`, with learning rate `lr`:
    /// `u_p = ⟨∇_p R(θ_t), θ_t − θ_{t+1}⟩ / η` for each risk set and tensor (nil in paper mode,
    /// which has no full-set risk gradient).
    package func updateEffects(lr: Float) -> [UpdateEffect]? {
        precondition(measured, "updateEffects needs a measure before the update")
        measured = false
        guard mode == .exact else { return nil }
        let model = unlearner.model, P = model.parameterCount
        let delta = parametersBefore, after = model.parameters.base
        for i in 0..<P { delta.base[i] -= after[i] }   // θ_t − θ_{t+1}
        let scale = lr > 0 ? 1 / Double(lr) : .nan
        return zip(riskSets, riskGradients).map { set, g in
            UpdateEffect(
                name: set.name,
                tensor: model.layout.slots.map {
                    Reduce.dot(g.base + $0.offset, delta.base + $0.offset, count: $0.count) * scale
                })
        }
    }
}
