import Model
import NumericCore

/// An unlearning objective: a forget term and an optional retain term,
///
///     loss = γ·forget + α·retain
///
/// evaluated on one `ObjectiveBatch` with one forward and one backward pass of the model (and
/// one forward pass of the frozen reference model when a term reads it).
package struct UnlearningObjective: Sendable {
    package var forget: any ObjectiveTerm
    package var retain: (any ObjectiveTerm)?
    /// γ.
    package var forgetWeight: Double
    /// α.
    package var retainWeight: Double
    /// An ℓ1 penalty on the parameters on the retain side (nil: none). It acts on θ directly, not
    /// through a batch: the unlearner adds it to each step's gradient, the instrumentation to the
    /// objective it measures.
    package var sparsity: L1Sparsity?

    package init(
        forget: any ObjectiveTerm, retain: (any ObjectiveTerm)? = nil, forgetWeight: Double = 1, retainWeight: Double = 1,
        sparsity: L1Sparsity? = nil
    ) {
        self.forget = forget
        self.retain = retain
        self.forgetWeight = forgetWeight
        self.retainWeight = retainWeight
        self.sparsity = sparsity
    }

    /// A name such as "npo+kl", or "ga+gd+l1" with an ℓ1 penalty.
    package var name: String {
        (retain.map { "\(forget.name)+\($0.name)" } ?? forget.name) + (sparsity == nil ? "" : "+l1")
    }

    var terms: [any ObjectiveTerm] { [forget] + (retain.map { [$0] } ?? []) }

    /// Whether any term reads the frozen reference model.
    package var needsReference: Bool { terms.contains { $0.needsReference } }

    /// The batch roles the objective reads.
    package var roles: Set<BatchRole> { terms.reduce(into: []) { $0.formUnion($1.roles) } }

    /// Which terms an evaluation covers.
    package enum Part: Sendable { case all, forget, retain }

    /// Runs `model` (and `reference`, if a term needs it) on `batch`, and leaves the gradient of
    /// the loss in `model.gradients` — zeroed first, or added to with `accumulate` (to sum the
    /// chunks of a set, see `ObjectiveBatch.denominators`). `part` limits the evaluation to the
    /// (scaled) forget or retain term. Returns the loss, its terms and weights.
    ///
    /// With a `referenceCache`, terms that read only the reference's target log-probabilities on
    /// forget and refusal rows take them from the cache (filled by the first reference forward
    /// pass over each instance) instead of running θ_o again.
    ///
    /// Both models compute logits at the positions with a target only (`ForwardScope.loss`),
    /// the only ones a term reads.
    ///
    /// `reuseForward`: the caller vouches that the parameters have not changed since the model's
    /// last forward pass; if that pass ran on this batch's inputs, it is not run again.
    package func evaluate(
        model: any CausalLanguageModel, reference: (any CausalLanguageModel)?, batch: ObjectiveBatch, part: Part = .all,
        accumulate: Bool = false, referenceCache: ReferenceCache? = nil,
        reuseForward: Bool = false
    ) throws -> ObjectiveEvaluation {
        let f = part == .retain ? nil : forget, r = part == .forget ? nil : retain
        let selected = [f, r].compactMap { $0 }
        for role in selected.reduce(into: Set<BatchRole>(), { $0.formUnion($1.roles) }) where batch.rows[role] == nil {
            throw ObjectiveError.missingRows(objective: name, role: role)
        }
        let needsReference = selected.contains { $0.needsReference }
        if needsReference && reference == nil { throw ObjectiveError.missingReference(objective: name) }
        let layers = Set(selected.compactMap(\.hiddenLayer))
        for l in layers where !(0..<model.blockCount).contains(l) {
            throw ObjectiveError.layerOutOfRange(objective: name, layer: l, blocks: model.blockCount)
        }
        let tb = batch.tokens
        if !accumulate { model.zeroGradients() }
        if !(reuseForward
            && model.lastForwardRan(
                tokens: tb.tokens, targets: tb.targets, mask: tb.mask, batch: tb.batch, seq: tb.seq, scope: .loss))
        {
            try model.forward(
                tokens: tb.tokens, targets: tb.targets, mask: tb.mask, batch: tb.batch, seq: tb.seq, scope: .loss)
        }
        var referenceResults: ForwardResults?
        let cacheable = selected.allSatisfy { !$0.needsReference || $0.readsOnlyReferenceLogProbs }
        let cachedRoles = selected.filter(\.needsReference).reduce(into: Set<BatchRole>()) { $0.formUnion($1.roles) }
        var cached = cacheable ? referenceCache?.logProbs(for: batch, roles: cachedRoles).map(FloatBuffer.init) : nil
        if needsReference, cached == nil, let reference {
            try reference.forward(
                tokens: tb.tokens, targets: tb.targets, mask: tb.mask, batch: tb.batch, seq: tb.seq, scope: .loss)
            if cacheable, let referenceCache {
                // The terms read only what the cache now holds: read it from there (the same
                // floats) and let θ_o hold its parameters only, not an activation arena.
                referenceCache.store(reference.targetLogProbs, for: batch, roles: cachedRoles)
                cached = referenceCache.logProbs(for: batch, roles: cachedRoles).map(FloatBuffer.init)
                reference.releaseActivations()
            } else {
                referenceResults = ForwardResults(model: reference, hiddenLayers: layers)
            }
        }
        if needsReference, let cached {
            referenceResults = ForwardResults(targetLogProbs: UnsafeBufferPointer(cached.buffer))
        }
        defer { withExtendedLifetime(cached) {} }
        let context = ObjectiveContext(
            batch: batch, current: ForwardResults(model: model, hiddenLayers: layers),
            reference: referenceResults, vocabSize: model.vocabSize,
            width: model.width)
        var gradient = ObjectiveGradient(
            logits: model.logitGradientScratch.baseAddress!, positions: tb.batch * tb.seq,
            vocabSize: model.vocabSize, width: model.width)
        let fv = f?.evaluate(context, scale: forgetWeight, into: &gradient)
        let rv = r?.evaluate(context, scale: retainWeight, into: &gradient)
        let hidden = gradient.hidden.sorted { $0.key < $1.key }
        model.backward(
            logitGradient: gradient.logits,
            residualGradients: hidden.map { ResidualGradient(block: $0.key, gradient: $0.value.base) })
        return ObjectiveEvaluation(
            loss: forgetWeight * (fv?.value ?? 0) + retainWeight * (rv?.value ?? 0),
            forget: fv ?? TermValue(value: 0), retain: rv,
            hiddenGradients: gradient.hidden.mapValues(\.array))
    }
}

/// The result of evaluating an objective on a batch.
package struct ObjectiveEvaluation: Sendable {
    /// γ·forget + α·retain (of the evaluated terms).
    package let loss: Double
    /// The forget term (value 0 and no weights when only the retain term was evaluated).
    package let forget: TermValue
    package let retain: TermValue?
    /// The loss's gradient on the residual stream after each block a term reads, (B·T, C); its
    /// gradient on the logits stays in the model's `logitGradientScratch` until the next
    /// evaluation.
    package let hiddenGradients: [Int: [Float]]

    package init(loss: Double, forget: TermValue, retain: TermValue?, hiddenGradients: [Int: [Float]] = [:]) {
        self.loss = loss
        self.forget = forget
        self.retain = retain
        self.hiddenGradients = hiddenGradients
    }
}

package enum ObjectiveError: Error, CustomStringConvertible {
    case missingRows(objective: String, role: BatchRole)
    case missingReference(objective: String)
    case layerOutOfRange(objective: String, layer: Int, blocks: Int)

    package var description: String {
        switch self {
        case let .missingRows(o, role): "\(o) reads \(role.rawValue) rows, but the batch has none"
        case let .missingReference(o): "\(o) needs the frozen reference model, but none was given"
        case let .layerOutOfRange(o, l, n): "\(o): layer \(l) is outside the model's blocks 0..<\(n)"
        }
    }
}
