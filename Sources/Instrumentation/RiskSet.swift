import Datasets
import NumericCore
import Unlearning

/// A named set whose risk — the token-mean answer NLL `R(D;θ) = Σ m·(−log p(y)) / Σ m` — gscope
/// follows: `forget`, `retain`, or any other split (`holdout`, `real_authors`, …).
package struct RiskSet: Sendable {
    package let name: String
    package let samples: [FormattedSample]
    /// Each sample's index in the split it was taken from, ascending: what a run file records so
    /// that the set can be rebuilt from it.
    package let indices: [Int]
    /// The number of samples in that split.
    package let splitSize: Int

    /// `samples`, taken from a split of `splitSize` at `indices` (nil: the samples are the split).
    package init(name: String, samples: [FormattedSample], indices: [Int]? = nil, splitSize: Int? = nil) {
        precondition(indices.map { $0.count == samples.count } ?? true, "one index per sample")
        self.name = name
        self.samples = samples
        self.indices = indices ?? Array(samples.indices)
        self.splitSize = splitSize ?? samples.count
    }

    /// The split's samples from `offset` on, or a fixed subset of `size` of them drawn without
    /// replacement by `seed` (kept in the split's order). `splitSize` is the whole split's.
    package init(name: String, from split: [FormattedSample], offset: Int = 0, size: Int?, seed: UInt64) {
        let pool = split.count - offset
        precondition(pool >= 0, "the offset lies beyond the split")
        var chosen = Array(0..<pool)
        if let size, size < pool {
            var rng = RNG(seed: seed)
            chosen = IndexOrder.shuffled(count: pool, rng: &rng).prefix(size).sorted()
        }
        let indices = chosen.map { $0 + offset }
        self.init(name: name, samples: indices.map { split[$0] }, indices: indices, splitSize: split.count)
    }

    /// N, the answer tokens the risk averages over.
    package var answerTokens: Int { Int(ObjectiveBatch.Denominator(of: samples).answerTokens) }
}
