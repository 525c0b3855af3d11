/// `scipy.stats.hmean(values)` (scipy 1.17), used by open-unlearning's `hm_aggregate`
/// (`src/evals/metrics/utility.py`) for TOFU's model utility, the harmonic mean of nine values
/// (probability, ROUGE-L recall and truth ratio on the retain, real-authors and world-facts sets).
package enum HarmonicMean {
    /// H = 1 / mean(1/xᵢ) = n / Σ 1/xᵢ. A zero value makes 1/xᵢ = ∞ and H = 0 (scipy suppresses the
    /// division warning); a negative value gives NaN (scipy warns); an empty array gives NaN.
    package static func of(_ values: [Double]) -> Double {
        guard !values.isEmpty, !values.contains(where: { $0 < 0 || $0.isNaN }) else { return .nan }
        let meanReciprocal = values.reduce(0.0) { $0 + 1 / $1 } / Double(values.count)
        return 1 / meanReciprocal
    }
}
