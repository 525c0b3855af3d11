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

/// Teacher-forced scoring of answers: one forward pass per chunk of samples.
package enum AnswerScorer {
    /// The `AnswerScore` of every sample, in order; chunks of `chunk` rows padded to the longest
    /// sample of the set (so every chunk has the same length). A log-probability that is not
    /// finite throws `NonFiniteModelOutput`.
    package static func score(_ model: any CausalLanguageModel, samples: [FormattedSample], padding: Int32, chunk: Int = 16)
        throws -> [AnswerScore]
    {
        guard let longest = samples.map(\.length).max() else { return [] }
        let V = model.vocabSize
        var out: [AnswerScore] = []
        out.reserveCapacity(samples.count)
        for start in stride(from: 0, to: samples.count, by: chunk) {
            let b = TokenBatch(
                samples: samples, indices: Array(start..<min(start + chunk, samples.count)),
                padding: padding, fixedLength: longest)
            try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq)
            let logits = UnsafeBufferPointer(model.logits), lse = model.logSumExp, logp = model.targetLogProbs
            for row in 0..<b.batch {
                var lp: [Double] = [], hits: [Bool] = [], moments: [MembershipScores.VocabularyMoments] = []
                for n in (row * b.seq)..<((row + 1) * b.seq) where b.mask[n] != 0 {
                    try NonFiniteModelOutput.check(
                        logSumExp: lse[n], logProb: logp[n],
                        "answer target \(lp.count + 1) of sample \(start + row + 1)")
                    let z = logits.baseAddress! + n * V, l = Double(lse[n])
                    var best = 0, m1 = 0.0, m2 = 0.0
                    for v in 0..<V {
                        if z[v] > z[best] { best = v }
                        let lv = Double(z[v]) - l, p = Foundation.exp(lv)
                        m1 += p * lv
                        m2 += p * lv * lv
                    }
                    lp.append(Double(logp[n]))
                    hits.append(Int32(best) == b.targets[n])
                    moments.append(.init(mean: m1, variance: m2 - m1 * m1))
                }
                out.append(AnswerScore(logProbs: lp, argmaxHits: hits, moments: moments))
            }
        }
        return out
    }
}
