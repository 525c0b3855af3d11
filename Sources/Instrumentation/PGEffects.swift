import Datasets
import Model
import NumericCore

/// PG-effects ([GE] Eq. 5) of a set of instances for a given risk gradient v:
/// `PG(s_i) = ⟨v, ∇log p(s_i)⟩ = Σ_{t ∈ answer(s_i)} ⟨v, ∇log p(y_t)⟩`, from one forward pass and
/// one forward-mode pass per chunk of rows — never one backward pass per instance.
package enum PGEffects {
    package static func compute(
        _ model: any CausalLanguageModel, samples: [FormattedSample], direction: FloatBuffer, padding: Int32,
        length: Int, chunk: Int = 16
    ) throws -> [Double] {
        precondition(direction.count == model.parameterCount)
        var out: [Double] = []
        out.reserveCapacity(samples.count)
        for start in stride(from: 0, to: samples.count, by: chunk) {
            let b = TokenBatch(
                samples: samples, indices: Array(start..<min(start + chunk, samples.count)),
                padding: padding, fixedLength: length)
            try model.forward(
                tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq, scope: .loss)
            let tangents = model.directionalDerivative(
                along: UnsafePointer(direction.base), hiddenBlocks: [], outputs: .logProbs
            ).targetLogProbs
            for row in 0..<b.batch {
                var pg = 0.0
                for n in (row * length)..<((row + 1) * length) where b.mask[n] != 0 {
                    pg += Double(b.mask[n]) * Double(tangents[n])
                }
                out.append(pg)
            }
        }
        return out
    }
}
