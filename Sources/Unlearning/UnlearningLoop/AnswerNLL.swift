import Datasets
import Model

/// The token-mean answer NLL of a whole set, `Σ_s Σ_t −log p(y_t) / Σ_s n_s` over the answer
/// targets of every sample, scored through `CachedScorer` in chunks of `batchSize` answers and
/// summed over the samples in index order.
package func meanAnswerNLL(_ model: any CausalLanguageModel, samples: [FormattedSample], batchSize: Int = 16) throws
    -> Double
{
    var sampleNLL = [Double](repeating: 0, count: samples.count)
    try CachedScorer.score(
        model, samples.map { CachedScorer.Sequence(ids: $0.ids, scored: Array($0.maskedPositions)) }, chunk: batchSize
    ) { sampleNLL[$0.sequence] -= Double($0.logProb) }
    let count = samples.reduce(0) { $0 + $1.maskedPositions.count }
    return count > 0 ? sampleNLL.reduce(0, +) / Double(count) : 0
}
