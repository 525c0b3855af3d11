import Datasets
import Foundation
import Model
import NumericCore

/// How long a run lasts: a number of optimiser steps, or of passes over the data.
package enum TrainingLength: Equatable, Sendable {
    /// Exactly this many steps; epochs follow one another (each reshuffled) until they are done.
    case steps(Int)
    /// This many epochs of `BatchSchedule.batchesPerEpoch` steps each.
    case epochs(Int)
}

/// The settings of a training run (everything but the model, the optimiser and the data).
package struct TrainingOptions: Equatable, Sendable {
    package var length: TrainingLength
    /// Samples per batch (B). Every batch has B rows; the last batch of an epoch is filled with
    /// empty rows (padding, mask 0), which change neither the loss nor the gradient.
    package var batchSize: Int
    /// The base learning rate, shaped by `schedule`.
    package var learningRate: Float
    package var schedule: LearningRateSchedule
    /// Clip the global gradient norm to this before each update (`clipGradientNorm`); nil: never.
    package var maxGradientNorm: Double?
    /// The seed of the batch order (`BatchSchedule`: epoch e is shuffled by `RNG(seed).fork(e)`).
    package var seed: UInt64
    /// Whether epochs are shuffled (otherwise every epoch is in data order).
    package var shuffle: Bool

    package init(
        length: TrainingLength, batchSize: Int, learningRate: Float,
        schedule: LearningRateSchedule = .constant, maxGradientNorm: Double? = nil,
        seed: UInt64 = 0, shuffle: Bool = true
    ) {
        self.length = length
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        self.seed = seed
        self.shuffle = shuffle
    }
}

/// What one step did: handed to the progress closure after every update.
package struct TrainingStepRecord: Equatable, Sendable {
    /// 1-based step.
    package let step: Int
    package let totalSteps: Int
    /// 0-based epoch the step's batch belongs to.
    package let epoch: Int
    /// The learning rate the update used.
    package let learningRate: Float
    /// The mask-weighted token-mean NLL of the batch, before the update.
    package let loss: Double
    /// The global gradient norm before clipping.
    package let gradientNorm: Double
    /// The number of target positions the loss covered (mask 1).
    package let lossTokens: Int

    package init(
        step: Int, totalSteps: Int, epoch: Int, learningRate: Float, loss: Double, gradientNorm: Double,
        lossTokens: Int
    ) {
        self.step = step
        self.totalSteps = totalSteps
        self.epoch = epoch
        self.learningRate = learningRate
        self.loss = loss
        self.gradientNorm = gradientNorm
        self.lossTokens = lossTokens
    }
}

/// Errors of training: bad data or settings, found before any update, or a loss that diverged.
package enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidOptions(String)
    case emptyData(String)
    case sampleTooLong(String)
    case vocabularyMismatch(String)
    case diverged(String)

    package var description: String {
        switch self {
        case .invalidOptions(let s): "invalid training options: \(s)"
        case .emptyData(let s): "no training data: \(s)"
        case .sampleTooLong(let s): "sample too long: \(s)"
        case .vocabularyMismatch(let s): "vocabulary mismatch: \(s)"
        case .diverged(let s): "training diverged: \(s)"
        }
    }
}

/// One update on a batch: forward, the gradient of the mask-weighted token-mean NLL
/// `Σ m·(−log p(y)) / Σ m` on the logits, backward, optional clipping of the global gradient norm,
/// optimiser step. Returns the loss (before the update) and the gradient norm (before clipping).
package func trainingStep(
    _ model: any CausalLanguageModel, optimizer: Optimizer, lr: Float,
    tokens: [Int32], targets: [Int32], mask: [Float], batch B: Int, seq T: Int,
    maxGradientNorm: Double? = nil
) throws(ModelError) -> (loss: Double, gradientNorm: Double) {
    model.zeroGradients()
    let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
    let dlogits = model.logitGradientScratch.baseAddress!
    model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: dlogits)
    model.backward(logitGradient: dlogits)
    let norm = clipGradientNorm(model.gradients, maxNorm: maxGradientNorm)
    optimizer.step(parameters: model.parameters, gradients: model.gradients, lr: lr)
    return (loss, norm)
}

/// Next-token training of a GPT on formatted samples (QA items with their answer-only mask, or
/// any sequences whose mask marks the targets that count).
///
/// Every batch has the same shape (B, T): B = `options.batchSize` rows of T = the longest sample's
/// length, so the model never reallocates its activations mid-run. The batch order comes from a
/// `BatchSchedule` seeded by `options.seed`; the loss is the mask-weighted token mean over the
/// whole batch. The same model initialisation, data and options give bit-identical parameters.
package struct TrainingLoop: Sendable {
    package let samples: [FormattedSample]
    /// The input id of padding positions (their targets are −1 and their mask 0).
    package let padding: Int32
    package let options: TrainingOptions
    /// T, the length every batch is padded to: the longest sample.
    package let sequenceLength: Int
    /// Which samples go into which batch.
    package let batches: BatchSchedule
    /// The number of updates the run makes.
    package let totalSteps: Int

    /// Checks the data and options: at least one sample, positive sizes, every sample within
    /// `blockSize` (cut them when formatting, with `QAFormatter.maxLength`).
    package init(samples: [FormattedSample], padding: Int32, options: TrainingOptions, blockSize: Int) throws(TrainingError) {
        guard !samples.isEmpty else { throw .emptyData("the training set has no samples") }
        guard options.batchSize >= 1 else { throw .invalidOptions("the batch size must be at least 1, not \(options.batchSize)") }
        guard options.learningRate.isFinite, options.learningRate >= 0 else {
            throw .invalidOptions("the learning rate must be finite and non-negative, not \(options.learningRate)")
        }
        if let m = options.maxGradientNorm, !(m > 0 && m.isFinite) {
            throw .invalidOptions("the maximum gradient norm must be positive, not \(m)")
        }
        if case .linearWarmupDecay(let w) = options.schedule, w < 0 {
            throw .invalidOptions("the warm-up must be 0 or more steps, not \(w)")
        }
        let longest = samples.map(\.length).max()!
        guard longest <= blockSize else {
            let i = samples.firstIndex { $0.length == longest }!
            throw .sampleTooLong(
                "sample \(i) has \(longest) positions, the model's block size is \(blockSize) (cut samples when formatting)")
        }
        let schedule = BatchSchedule(
            count: samples.count, batchSize: options.batchSize, seed: options.seed,
            shuffle: options.shuffle)
        let steps: Int
        switch options.length {
        case .steps(let n):
            guard n >= 1 else { throw .invalidOptions("the number of steps must be at least 1, not \(n)") }
            steps = n
        case .epochs(let e):
            guard e >= 1 else { throw .invalidOptions("the number of epochs must be at least 1, not \(e)") }
            steps = e * schedule.batchesPerEpoch
        }
        self.samples = samples
        self.padding = padding
        self.options = options
        self.sequenceLength = longest
        self.batches = schedule
        self.totalSteps = steps
    }

    /// The epoch (0-based) of 1-based step `step`.
    package func epoch(ofStep step: Int) -> Int { (step - 1) / batches.batchesPerEpoch }

    /// The flat (B, T) arrays of a batch of sample indices: the samples' rows, then empty rows
    /// (padding inputs, targets −1, mask 0) up to B.
    package func paddedBatch(indices: [Int]) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        let b = TokenBatch(samples: samples, indices: indices, padding: padding, fixedLength: sequenceLength)
        let missing = (options.batchSize - indices.count) * sequenceLength
        guard missing > 0 else { return (b.tokens, b.targets, b.mask) }
        return (
            b.tokens + [Int32](repeating: padding, count: missing),
            b.targets + [Int32](repeating: -1, count: missing),
            b.mask + [Float](repeating: 0, count: missing)
        )
    }

    /// Trains `model` with `optimizer` for `totalSteps` updates, calling `progress` after each;
    /// returns the per-step losses (each measured before its update). Throws before any update
    /// when a token id is outside the model's vocabulary, and stops with `.diverged` at the first
    /// loss that is not finite.
    ///
    /// `resumingAfter k`: the model and optimiser already hold the state after step k (a
    /// ``TrainingSnapshot``); steps 1…k are skipped and the run goes on with the batches and
    /// learning rates of step k + 1 onwards, to the same bits as a run never stopped. `afterStep`
    /// runs after each update (to save a snapshot); `false` stops the run there.
    package func run(
        model: any CausalLanguageModel, optimizer: Optimizer, resumingAfter done: Int = 0,
        progress: (TrainingStepRecord) -> Void = { _ in }, afterStep: (Int) throws -> Bool = { _ in true }
    ) throws -> [Double] {
        let V = Int32(model.vocabSize)
        guard padding >= 0, padding < V else {
            throw TrainingError.vocabularyMismatch("the padding id \(padding) is outside the model's vocabulary 0..<\(V)")
        }
        guard sequenceLength <= model.contextLength else {
            throw TrainingError.sampleTooLong(
                "samples have up to \(sequenceLength) positions, the model's block size is \(model.contextLength)")
        }
        if let (i, id) = samples.enumerated().lazy.compactMap({ (i, s) in s.ids.first { $0 < 0 || $0 >= V }.map { (i, $0) } })
            .first
        {
            throw TrainingError.vocabularyMismatch(
                "sample \(i) holds token id \(id), the model's vocabulary is 0..<\(V) (build the model with the tokenizer's vocabulary size)"
            )
        }

        var losses: [Double] = []
        losses.reserveCapacity(totalSteps)
        var epoch = -1, order: [[Int]] = [], step = 0
        while step < totalSteps {
            epoch += 1
            order = batches.batches(epoch: epoch)
            for indices in order where step < totalSteps {
                step += 1
                if step <= done { continue }
                let lr = options.schedule.rate(step: step, totalSteps: totalSteps, base: options.learningRate)
                let b = paddedBatch(indices: indices)
                let (loss, norm) = try trainingStep(
                    model, optimizer: optimizer, lr: lr, tokens: b.tokens, targets: b.targets,
                    mask: b.mask, batch: options.batchSize, seq: sequenceLength,
                    maxGradientNorm: options.maxGradientNorm)
                guard loss.isFinite else {
                    throw TrainingError.diverged("the loss of step \(step) is \(loss)")
                }
                losses.append(loss)
                progress(
                    TrainingStepRecord(
                        step: step, totalSteps: totalSteps, epoch: epoch, learningRate: lr, loss: loss,
                        gradientNorm: norm, lossTokens: b.mask.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }))
                if try !afterStep(step) { return losses }
            }
        }
        return losses
    }
}
