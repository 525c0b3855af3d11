import Model

/// One model's results of its forward pass over an `ObjectiveBatch` (views into the model's
/// activations: valid until its next forward pass).
package struct ForwardResults {
    /// (B·T, V) logits.
    package let logits: UnsafeBufferPointer<Float>
    /// (B·T) `log Σ_v exp(logits)`.
    package let logSumExp: UnsafeBufferPointer<Float>
    /// (B·T) `log p(y)` of each target (0 on padding).
    package let targetLogProbs: UnsafeBufferPointer<Float>
    /// The residual stream after each requested block, (B·T, C).
    package let hidden: [Int: UnsafeBufferPointer<Float>]

    /// Target log-probabilities alone (logits, log-normalisers and hidden states empty), e.g.
    /// the reference's from a `ReferenceCache`.
    package init(targetLogProbs: UnsafeBufferPointer<Float>) {
        logits = UnsafeBufferPointer(start: nil, count: 0)
        logSumExp = UnsafeBufferPointer(start: nil, count: 0)
        self.targetLogProbs = targetLogProbs
        hidden = [:]
    }

    /// The results of `model`'s last forward pass, with the hidden states after `hiddenLayers`.
    package init(model: any CausalLanguageModel, hiddenLayers: Set<Int>) {
        logits = UnsafeBufferPointer(model.logits)
        logSumExp = model.logSumExp
        targetLogProbs = model.targetLogProbs
        var hidden: [Int: UnsafeBufferPointer<Float>] = [:]
        for l in hiddenLayers { hidden[l] = model.hiddenState(afterBlock: l) }
        self.hidden = hidden
    }
}

/// Everything an objective term reads: the batch and the forward results of the current model
/// and, where a term needs it, of the frozen reference model θ_o.
package struct ObjectiveContext {
    package let batch: ObjectiveBatch
    package let current: ForwardResults
    package let reference: ForwardResults?
    /// Vocabulary size V and hidden width C.
    package let vocabSize: Int, width: Int

    package init(batch: ObjectiveBatch, current: ForwardResults, reference: ForwardResults?, vocabSize: Int, width: Int) {
        self.batch = batch
        self.current = current
        self.reference = reference
        self.vocabSize = vocabSize
        self.width = width
    }

    package var seq: Int { batch.seq }
    package var mask: [Float] { batch.tokens.mask }

    /// The rows of `role` (empty if the batch has none).
    package func rows(_ role: BatchRole) -> Range<Int> { batch.rows[role] ?? 0..<0 }

    /// The flat positions `b·T + t` of the rows of `role`.
    package func positions(_ role: BatchRole) -> Range<Int> {
        let r = rows(role)
        return (r.lowerBound * seq)..<(r.upperBound * seq)
    }

    /// The answer-token count `n = Σ m` over the rows of `role`.
    package func maskTotal(_ role: BatchRole) -> Double {
        positions(role).reduce(0.0) { $0 + Double(mask[$1]) }
    }

    /// The N of a term's token mean over the rows of `role`: the batch's answer-token count, or
    /// the whole set's when the batch is one chunk of it (`ObjectiveBatch.denominators`).
    package func tokenDenominator(_ role: BatchRole) -> Double {
        batch.denominators[role]?.answerTokens ?? maskTotal(role)
    }

    /// The S of a term's instance mean over the rows of `role` (as `tokenDenominator`).
    package func instanceDenominator(_ role: BatchRole) -> Double {
        Double(batch.denominators[role]?.instances ?? rows(role).count)
    }

    /// `ℓ_b = −Σ_t m[b,t]·log p(y[b,t])`, the summed answer NLL of row `b` under `results`.
    package func sequenceNLL(_ results: ForwardResults, row b: Int) -> Double {
        var s = 0.0
        for n in (b * seq)..<((b + 1) * seq) where mask[n] != 0 {
            s -= Double(mask[n]) * Double(results.targetLogProbs[n])
        }
        return s
    }

    /// `n_b = Σ_t m[b,t]`, the answer-token count of row `b`.
    package func answerCount(row b: Int) -> Double {
        ((b * seq)..<((b + 1) * seq)).reduce(0.0) { $0 + Double(mask[$1]) }
    }

    /// The reference results, for terms that declared `needsReference`.
    var referenceResults: ForwardResults {
        guard let r = reference else { preconditionFailure("this objective term needs the reference model's forward pass") }
        return r
    }
}
