import Foundation

/// Per-sample membership-inference attack scores as open-unlearning computes them
/// (`src/evals/metrics/mia/{loss,zlib,min_k,min_k_plus_plus}.py`). Every score is oriented so that
/// higher means "looks less like a training member" (a negated likelihood); `ROC.membershipAUC`
/// turns them into the MIA AUC.
///
/// Token inputs: `tokenLogProbabilities[t]` = log p(y_t | y_<t) of the answer's label tokens.
/// open-unlearning feeds LOSS and ZLib the mean NLL over all label tokens (`evaluate_probability`),
/// but Min-K% and Min-K%++ the label tokens without the last one (`tokenwise_logprobs` drops the
/// end-of-sequence prediction); the caller chooses the slice.
package enum MembershipScores {
    /// open-unlearning's default fraction for TOFU (`configs/eval/tofu_metrics/mia_min_k*.yaml`: k = 0.4).
    package static let tofuK = 0.4

    /// LOSS: the mean negative log-likelihood, −(1/T) Σ_t log p_t (`avg_loss`).
    package static func loss(tokenLogProbabilities: [Double]) -> Double {
        precondition(!tokenLogProbabilities.isEmpty, "LOSS needs at least one token")
        return -tokenLogProbabilities.reduce(0, +) / Double(tokenLogProbabilities.count)
    }

    /// ZLib: avg_loss / len(zlib.compress(text.encode("utf-8"))), the text being the decoded
    /// answer (label) tokens.
    package static func zlib(averageLoss: Double, text: String) -> Double {
        averageLoss / Double(Zlib.compressedLength(utf8: text))
    }

    /// The number of lowest values Min-K% averages: max(1, ⌊T·k⌋), with T·k a Double product
    /// truncated toward zero as Python's `int(len(lp) * k)`.
    package static func lowestCount(tokens: Int, k: Double) -> Int {
        max(1, Int(Double(tokens) * k))
    }

    /// Min-K% Prob: −mean of the max(1, ⌊kT⌋) smallest log p_t; 0 for an empty answer.
    package static func minK(tokenLogProbabilities: [Double], k: Double = tofuK) -> Double {
        guard !tokenLogProbabilities.isEmpty else { return 0 }
        return -meanOfLowest(tokenLogProbabilities, count: lowestCount(tokens: tokenLogProbabilities.count, k: k))
    }

    /// Mean and variance of log p under p over one position's vocabulary:
    /// μ = Σ_v p_v log p_v, σ² = Σ_v p_v (log p_v)² − μ².
    package struct VocabularyMoments: Sendable, Equatable {
        package let mean: Double
        package let variance: Double

        package init(mean: Double, variance: Double) {
            self.mean = mean
            self.variance = variance
        }

        /// The moments of one row of log-probabilities (a log-softmax row).
        package init(logProbabilities row: [Double]) {
            var mean = 0.0, secondMoment = 0.0
            for lp in row {
                let p = exp(lp)
                mean += p * lp
                secondMoment += p * lp * lp
            }
            self.init(mean: mean, variance: secondMoment - mean * mean)
        }

        /// The moments of one row of logits: log p = logits − logsumexp(logits).
        package init(logits row: [Double]) {
            let largest = row.max() ?? 0
            let logNormaliser = largest + log(row.reduce(0.0) { $0 + exp($1 - largest) })
            self.init(logProbabilities: row.map { $0 - logNormaliser })
        }
    }

    /// Min-K%++: with z_t = (log p_t − μ_t)/√max(σ²_t, 10⁻⁶), the negated mean of the
    /// max(1, ⌊kT⌋) smallest z_t; 0 for an empty answer.
    package static func minKPlusPlus(
        tokenLogProbabilities: [Double], moments: [VocabularyMoments],
        k: Double = tofuK
    ) -> Double {
        precondition(tokenLogProbabilities.count == moments.count, "one moment pair per token")
        guard !tokenLogProbabilities.isEmpty else { return 0 }
        let z = zip(tokenLogProbabilities, moments).map { lp, moment in
            (lp - moment.mean) / max(moment.variance, 1e-6).squareRoot()
        }
        return -meanOfLowest(z, count: lowestCount(tokens: z.count, k: k))
    }

    static func meanOfLowest(_ values: [Double], count: Int) -> Double {
        values.sorted().prefix(count).reduce(0, +) / Double(count)
    }
}
