import Datasets
import Foundation
import Model
import NumericCore

/// Pre-training on SimNPO's mixtures of Markov chains (REFERENCE §4).
///
/// A sequence `x₁…x_L` of states becomes inputs `x₁…x_{L−1}` and labels `x₂…x_L`, every label
/// counting in the loss; rows are right-padded to the longest sequence (19 for length 20) with
/// input 0, label −1 and mask 0. The vocabulary is the states themselves (no begin or end token).
/// The recipe: AdamW lr 5e-4, ε 1e-6, no weight decay, batch 128, 5 epochs, token-mean cross
/// entropy. Experiment A trains on retain + forget1 + forget2, B on retain + forget1; the
/// "retrained" reference model on retain only.
package enum MarkovTraining {
    /// The input id of padding positions (any state would do: the mask is 0 there).
    package static let padding: Int32 = 0
    package static let learningRate: Float = 5e-4
    package static let adamEpsilon: Float = 1e-6
    package static let batchSize = 128
    package static let epochs = 5

    /// The groups a model is trained on: `setup.trainedGroups`, or retain alone for the retrained
    /// reference model.
    package static func groups(_ setup: MarkovSetup, retrained: Bool) -> [MarkovGroup] {
        retrained ? [.retain] : setup.trainedGroups
    }

    /// The training sequences of those groups, in the data set's order.
    package static func trainingSequences(_ data: MarkovDataset, retrained: Bool) -> [MarkovSequence] {
        let keep = Set(groups(data.setup, retrained: retrained))
        return data.train.filter { keep.contains($0.chain) }
    }

    /// One sample per sequence, every label in the loss (sequences need at least 2 states).
    package static func samples(_ sequences: [MarkovSequence]) -> [FormattedSample] {
        sequences.map { s in
            FormattedSample(ids: s.tokens.map { Int32($0) }, answerRange: 1..<s.tokens.count)
        }
    }

    /// The recipe's options: 5 epochs of batches of 128, constant lr 5e-4, no clipping.
    package static func options(seed: UInt64) -> TrainingOptions {
        TrainingOptions(
            length: .epochs(epochs), batchSize: batchSize, learningRate: learningRate,
            schedule: .constant, maxGradientNorm: nil, seed: seed)
    }

    /// AdamW with ε 1e-6 and no weight decay.
    package static func optimizer(for model: any CausalLanguageModel) -> AdamW {
        AdamW(count: model.parameterCount, eps: adamEpsilon, weightDecay: 0)
    }

    /// The token-mean cross entropy of the Bayes-optimal predictor of a model trained on `groups`
    /// (`MarkovBayesPredictor(setup:trainedOn:)`) over every label of `sequences`: the floor the
    /// training loss approaches.
    package static func bayesLoss(_ sequences: [MarkovSequence], setup: MarkovSetup, groups: [MarkovGroup]) -> Double {
        let bayes = MarkovBayesPredictor(setup: setup, trainedOn: groups)
        var total = 0.0, count = 0
        for s in sequences {
            for (t, q) in bayes.predictions(s.tokens).enumerated() {
                total -= log(q[s.tokens[t + 1]])
                count += 1
            }
        }
        return count > 0 ? total / Double(count) : 0
    }

    /// The training loop over the sequences of `data` (all groups the experiment trains on, or
    /// retain alone when `retrained`), with `options` (default: the recipe).
    package static func loop(
        _ data: MarkovDataset, retrained: Bool, options: TrainingOptions,
        blockSize: Int
    ) throws(TrainingError) -> TrainingLoop {
        try TrainingLoop(
            samples: samples(trainingSequences(data, retrained: retrained)), padding: padding,
            options: options, blockSize: blockSize)
    }
}
