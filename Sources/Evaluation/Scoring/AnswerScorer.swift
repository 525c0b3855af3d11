import Datasets
import Foundation
import Model
import NumericCore

/// What the model says, teacher-forced, about one sample's answer targets (the answer tokens and
/// the end token: the positions of `FormattedSample.mask`, in order).
package struct AnswerScore: Sendable, Equatable {
    /// `log p(y_t)` of each answer target.
    package let logProbs: [Double]
    /// Whether the model's most likely token is the target, at each answer target.
    package let argmaxHits: [Bool]
    /// Per answer target, the mean and variance of `log p(v)` under the model's own distribution,
    /// `μ_t = Σ_v p_v log p_v`, `σ_t² = Σ_v p_v (log p_v)² − μ_t²` (Min-K%++).
    package let moments: [MembershipScores.VocabularyMoments]

    /// The mean NLL over the answer targets, `−(1/n) Σ_t log p(y_t)` (NaN when there is none).
    package var meanNLL: Double { logProbs.isEmpty ? .nan : -logProbs.reduce(0, +) / Double(logProbs.count) }
    /// The length-normalised probability `exp(−meanNLL)`.
    package var probability: Double { Foundation.exp(-meanNLL) }
}

/// Teacher-forced scoring of answers, through `CachedScorer`: the system prompt and each
/// question read once, the head only at the answer targets.
package enum AnswerScorer {
    /// The `AnswerScore` of every sample, in order; the answers go through the model in chunks of
    /// `chunk` rows. A log-probability that is not finite throws `NonFiniteModelOutput`.
    package static func score(_ model: any CausalLanguageModel, samples: [FormattedSample], chunk: Int = 16)
        throws -> [AnswerScore]
    {
        let V = model.vocabSize
        var logProbs = samples.map { [Double](repeating: 0, count: $0.maskedPositions.count) }
        var hits = samples.map { [Bool](repeating: false, count: $0.maskedPositions.count) }
        var moments = samples.map {
            [MembershipScores.VocabularyMoments](repeating: .init(mean: 0, variance: 0), count: $0.maskedPositions.count)
        }
        try CachedScorer.score(
            model, samples.map { CachedScorer.Sequence(ids: $0.ids, scored: Array($0.maskedPositions)) }, chunk: chunk
        ) { p in
            try NonFiniteModelOutput.check(
                logSumExp: p.logSumExp, logProb: p.logProb, "answer target \(p.k + 1) of sample \(p.sequence + 1)")
            let z = p.logits, l = Double(p.logSumExp)
            var best = 0, m1 = 0.0, m2 = 0.0
            for v in 0..<V {
                if z[v] > z[best] { best = v }
                let lv = Double(z[v]) - l, e = Foundation.exp(lv)
                m1 += e * lv
                m2 += e * lv * lv
            }
            let sample = samples[p.sequence]
            logProbs[p.sequence][p.k] = Double(p.logProb)
            hits[p.sequence][p.k] = Int32(best) == sample.ids[sample.maskedPositions.lowerBound + p.k + 1]
            moments[p.sequence][p.k] = .init(mean: m1, variance: m2 - m1 * m1)
        }
        return samples.indices.map { AnswerScore(logProbs: logProbs[$0], argmaxHits: hits[$0], moments: moments[$0]) }
    }
}
