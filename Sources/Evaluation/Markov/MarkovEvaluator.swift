import Datasets
import Foundation
import Model
import NumericCore

/// SimNPO's metric (REFERENCE §4) for a model on the test sequences of a Markov experiment:
/// per group (retain, forget1, forget2) the token-averaged `KL(P_c[x_t, ·] ‖ p_θ(· | x_≤t))`
/// against the true transition rows — forget KL high means forgotten, retain KL low means kept.
package struct MarkovEvaluator: Sendable {
    package let setup: MarkovSetup
    /// The test sequences of each group that are evaluated (all, or the first `perGroup`).
    package let test: [MarkovGroup: [MarkovSequence]]
    private let truth: [MarkovGroup: MarkovChain]

    /// The test split of the data set `gscope data markov` samples with `seed`; `perGroup` caps
    /// the sequences per group (the test sequences are i.i.d., so the first ones are a fair sample).
    package init(setup: MarkovSetup, seed: UInt64, perGroup: Int? = nil) {
        let data = MarkovDataset.generate(setup, rng: RNG(seed: seed))
        var test: [MarkovGroup: [MarkovSequence]] = [:]
        for group in MarkovGroup.allCases {
            let all = data.test.filter { $0.chain == group }
            test[group] = perGroup.map { Array(all.prefix($0)) } ?? all
        }
        self.setup = setup
        self.test = test
        truth = Dictionary(uniqueKeysWithValues: MarkovGroup.allCases.map { ($0, setup.chain($0)) })
    }

    /// The model's KL on each group's test sequences (one forward pass per chunk of sequences).
    package func kl(_ model: any CausalLanguageModel, chunk: Int = 256) throws -> [MarkovGroup: Double] {
        var out: [MarkovGroup: Double] = [:]
        for (group, sequences) in test {
            let predictions = try Self.predictions(model, sequences, chunk: chunk)
            var next = predictions.makeIterator()
            out[group] = MarkovKL.tokenAveraged(sequences, truth: truth) { _ in next.next()! }
        }
        return out
    }

    /// The KL of the Bayes-optimal model trained on the experiment's groups and of the model
    /// retrained on retain alone (both exact predictors, on the same test sequences).
    package func references() -> (bayes: [MarkovGroup: Double], retrained: [MarkovGroup: Double]) {
        func measure(_ p: MarkovBayesPredictor) -> [MarkovGroup: Double] {
            test.mapValues { MarkovKL.tokenAveraged($0, truth: truth, predict: p.predictions) }
        }
        return (measure(.original(setup)), measure(.retrained(setup)))
    }

    /// The model's predictive rows `softmax(logits)` at positions 1…L−1 of every sequence.
    static func predictions(_ model: any CausalLanguageModel, _ sequences: [MarkovSequence], chunk: Int) throws -> [[[Double]]] {
        guard let longest = sequences.map({ $0.tokens.count - 1 }).max() else { return [] }
        let samples = sequences.map { FormattedSample(ids: $0.tokens.map(Int32.init), answerRange: 1..<$0.tokens.count) }
        let V = model.vocabSize
        var out: [[[Double]]] = []
        for start in stride(from: 0, to: samples.count, by: chunk) {
            let b = TokenBatch(
                samples: samples, indices: Array(start..<min(start + chunk, samples.count)),
                padding: 0, fixedLength: longest)
            try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq)
            let logits = model.logits, lse = model.logSumExp, logp = model.targetLogProbs
            for row in 0..<b.batch {
                let n = samples[start + row].length
                for t in 0..<n {
                    let i = row * b.seq + t
                    try NonFiniteModelOutput.check(
                        logSumExp: lse[i], logProb: logp[i],
                        "position \(t + 1) of sequence \(start + row + 1)")
                }
                out.append(
                    (0..<n).map { t in
                        let i = row * b.seq + t, l = Double(lse[i])
                        return (0..<V).map { Foundation.exp(Double(logits[i * V + $0]) - l) }
                    })
            }
        }
        return out
    }
}
