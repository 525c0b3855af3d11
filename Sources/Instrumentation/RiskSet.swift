import Datasets
import NumericCore
import Unlearning

/// A named set whose risk — the token-mean answer NLL `R(D;θ) = Σ m·(−log p(y)) / Σ m` — gscope
/// follows: `forget`, `retain`, or any other split (`holdout`, `real_authors`, …).
package struct RiskSet: Sendable {
    package let name: String
    package let samples: [FormattedSample]

    package init(name: String, samples: [FormattedSample]) {
        self.name = name
        self.samples = samples
    }

    /// The whole split, or a fixed subset of `size` samples drawn without replacement by `seed`
    /// (kept in the split's order).
    package init(name: String, from samples: [FormattedSample], size: Int?, seed: UInt64) {
        guard let size, size < samples.count else {
            self.init(name: name, samples: samples)
            return
        }
        var rng = RNG(seed: seed)
        let chosen = IndexOrder.shuffled(count: samples.count, rng: &rng).prefix(size).sorted()
        self.init(name: name, samples: chosen.map { samples[$0] })
    }

    /// N, the answer tokens the risk averages over.
    package var answerTokens: Int { Int(ObjectiveBatch.Denominator(of: samples).answerTokens) }
}
