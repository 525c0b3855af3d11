import Datasets
import Model

/// The token-mean answer NLL of a whole set, `Σ_s Σ_t m·(−log p(y)) / Σ_s Σ_t m`, in batches
/// of `batchSize` rows padded to `length` (by default the set's longest sample).
package func meanAnswerNLL(
    _ model: any CausalLanguageModel, samples: [FormattedSample], padding: Int32,
    batchSize: Int = 16, length: Int? = nil
) throws -> Double {
    var total = 0.0, count = 0.0
    for start in stride(from: 0, to: samples.count, by: batchSize) {
        let indices = Array(start..<min(start + batchSize, samples.count))
        let b = TokenBatch(samples: samples, indices: indices, padding: padding, fixedLength: length)
        let tokens = Double(b.maskedCount)
        total += try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq) * tokens
        count += tokens
    }
    return count > 0 ? total / count : 0
}
