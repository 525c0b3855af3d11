import Datasets
import Model
import NumericCore

/// The samples an unlearning run draws its batches from.
package struct UnlearningData: Sendable {
    /// The forget set (questions with their true answers), in a fixed order: instance i is
    /// `forget[i]` everywhere in a run file.
    package let forget: [FormattedSample]
    /// Empty, or one refusal-answer sample per forget sample (PO, IdkDPO).
    package let refusal: [FormattedSample]
    /// The retain set the retain term draws from (may be empty when there is no retain term).
    package let retain: [FormattedSample]
    /// The input id of padding positions.
    package let padding: Int32

    package init(forget: [FormattedSample], refusal: [FormattedSample] = [], retain: [FormattedSample] = [], padding: Int32) {
        self.forget = forget
        self.refusal = refusal
        self.retain = retain
        self.padding = padding
    }

    /// The length every batch is padded to: the longest sample of the three sets.
    package var sequenceLength: Int { (forget + refusal + retain).map(\.length).max() ?? 1 }
}

/// The settings of an unlearning run (everything but model, objective, optimiser and data).
package struct UnlearningOptions: Sendable {
    /// Steps, or epochs over the forget set.
    package var length: TrainingLength
    package var forgetBatch: Int
    package var retainBatch: Int
    package var learningRate: Float
    package var schedule: LearningRateSchedule
    /// Clip the global gradient norm to this before each update; nil: never.
    package var maxGradientNorm: Double?
    /// Seeds the forget and retain batch orders.
    package var seed: UInt64

    package init(
        length: TrainingLength, forgetBatch: Int = 4, retainBatch: Int = 4, learningRate: Float,
        schedule: LearningRateSchedule = .constant, maxGradientNorm: Double? = nil, seed: UInt64 = 0
    ) {
        self.length = length
        self.forgetBatch = forgetBatch
        self.retainBatch = retainBatch
        self.learningRate = learningRate
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        self.seed = seed
    }
}

/// What one unlearning step did (the values before its update).
package struct UnlearningStepRecord: Sendable {
    /// 1-based step, of `totalSteps`.
    package let step: Int, totalSteps: Int, epoch: Int
    package let learningRate: Float
    /// The objective on this step's batch, with its terms and weights.
    package let evaluation: ObjectiveEvaluation
    /// The global gradient norm before clipping.
    package let gradientNorm: Double
    /// The ℓ1 penalty `α_e·‖θ‖₁` of the step (0 without one); `evaluation.loss` includes it.
    package let l1Penalty: Double
    /// The forget-set index of each forget row of the batch.
    package let forgetIndices: [Int]
}

/// The unlearning loop: from the model's current parameters, `totalSteps` updates of an
/// objective on batches of forget (and refusal) samples plus retain samples, against a frozen
/// copy of the starting model θ_o.
///
/// Forget batches follow a seeded `BatchSchedule` over the forget set (each epoch reshuffled);
/// retain batches follow their own schedule over the retain set. Every batch is padded to the
/// data's longest sample, so the same data, options and seed give bit-identical parameters.
package final class Unlearner {
    package let model: any CausalLanguageModel
    /// θ_o, the frozen starting point (nil when no term needs it).
    package let reference: (any CausalLanguageModel)?
    /// θ_o's target log-probabilities on the forget (and refusal) samples, filled by the steps
    /// alone (the instrumentation keeps its own), so that measuring never changes what a step
    /// computes.
    package let referenceCache = ReferenceCache()
    package let objective: UnlearningObjective
    package let optimizer: Optimizer
    package let data: UnlearningData
    package let options: UnlearningOptions
    package let totalSteps: Int
    /// The weights the updates may change (nil: all of them); set before the first step.
    package var mask: UpdateMask?
    private let forgetSchedule: BatchSchedule
    private let retainSchedule: BatchSchedule?
    private var forgetEpochCache: (epoch: Int, batches: [[Int]])?
    private var retainEpochCache: (epoch: Int, batches: [[Int]])?

    package init(
        model: any CausalLanguageModel, objective: UnlearningObjective, optimizer: Optimizer, data: UnlearningData,
        options: UnlearningOptions
    ) throws {
        let roles = objective.roles
        guard !data.forget.isEmpty else { throw UnlearningError.invalid("the forget set is empty") }
        guard !roles.contains(.refusal) || data.refusal.count == data.forget.count else {
            throw UnlearningError.invalid("\(objective.name) needs one refusal answer per forget sample")
        }
        guard !roles.contains(.retain) || !data.retain.isEmpty else {
            throw UnlearningError.invalid("\(objective.name) has a retain term but the retain set is empty")
        }
        guard options.forgetBatch >= 1, options.retainBatch >= 1 else {
            throw UnlearningError.invalid(
                "batch sizes must be at least 1 (forget \(options.forgetBatch), retain \(options.retainBatch))")
        }
        guard options.learningRate.isFinite, options.learningRate >= 0 else {
            throw UnlearningError.invalid("the learning rate must be finite and non-negative, not \(options.learningRate)")
        }
        guard data.sequenceLength <= model.contextLength else {
            throw UnlearningError.invalid(
                "samples have up to \(data.sequenceLength) positions, the model's block size is \(model.contextLength)")
        }
        let rng = RNG(seed: options.seed)
        func seed(_ label: UInt64) -> UInt64 { var r = rng.fork(label); return r.next() }
        forgetSchedule = BatchSchedule(
            count: data.forget.count, batchSize: min(options.forgetBatch, data.forget.count),
            seed: seed(1))
        retainSchedule =
            roles.contains(.retain)
            ? BatchSchedule(count: data.retain.count, batchSize: min(options.retainBatch, data.retain.count), seed: seed(2))
            : nil
        switch options.length {
        case .steps(let n): totalSteps = n
        case .epochs(let e): totalSteps = e * forgetSchedule.batchesPerEpoch
        }
        guard totalSteps >= 1 else { throw UnlearningError.invalid("the run must have at least one step") }
        self.model = model
        self.reference = objective.needsReference ? try model.frozenCopy() : nil
        self.objective = objective
        self.optimizer = optimizer
        self.data = data
        self.options = options
    }

    /// The epoch (0-based, over the forget set) of 1-based step `step`.
    package func epoch(ofStep step: Int) -> Int { (step - 1) / forgetSchedule.batchesPerEpoch }

    /// The epochs the run's steps reach into: the last step's epoch + 1.
    package var totalEpochs: Int { epoch(ofStep: totalSteps) + 1 }

    /// The ℓ1 weight α_e of step `step` (1-based; 0 without a penalty).
    package func l1Weight(step: Int) -> Double {
        objective.sparsity?.weight(epoch: epoch(ofStep: min(max(step, 1), totalSteps)), epochs: totalEpochs) ?? 0
    }

    /// The batch of 1-based step `step`: its forget rows (with their refusals) and retain rows.
    package func batch(step: Int) -> ObjectiveBatch {
        let forget = Self.indices(step: step, schedule: forgetSchedule, cache: &forgetEpochCache)
        let retain = retainSchedule.map { Self.indices(step: step, schedule: $0, cache: &retainEpochCache) } ?? []
        let roles = objective.roles
        return ObjectiveBatch(
            forget: forget.map { data.forget[$0] }, forgetIndices: forget,
            refusal: roles.contains(.refusal) ? forget.map { data.refusal[$0] } : [],
            retain: retain.map { data.retain[$0] }, padding: data.padding,
            fixedLength: data.sequenceLength)
    }

    /// One step: the objective's gradient on the step's batch, optional clipping, one update.
    package func step(_ step: Int) throws -> UnlearningStepRecord {
        let batch = batch(step: step)
        var evaluation = try objective.evaluate(model: model, reference: reference, batch: batch, referenceCache: referenceCache)
        var penalty = 0.0
        if objective.sparsity != nil {
            penalty = L1Sparsity.apply(weight: l1Weight(step: step), parameters: model.parameters, addingTo: model.gradients)
            evaluation = ObjectiveEvaluation(
                loss: evaluation.loss + penalty, forget: evaluation.forget, retain: evaluation.retain,
                hiddenGradients: evaluation.hiddenGradients)
        }
        return try update(step: step, evaluation: evaluation, forgetIndices: batch.forgetIndices, l1Penalty: penalty)
    }

    /// Clipping and the optimiser's update from the gradient in `model.gradients`, restricted to
    /// `mask` when there is one.
    private func update(step: Int, evaluation: ObjectiveEvaluation, forgetIndices: [Int], l1Penalty: Double) throws
        -> UnlearningStepRecord
    {
        guard evaluation.loss.isFinite else {
            throw UnlearningError.diverged(objective: objective.name, step: step, quantity: "the loss", value: evaluation.loss)
        }
        let norm = clipGradientNorm(model.gradients, maxNorm: options.maxGradientNorm)
        guard norm.isFinite else {
            throw UnlearningError.diverged(objective: objective.name, step: step, quantity: "the gradient norm", value: norm)
        }
        let lr = options.schedule.rate(step: step, totalSteps: totalSteps, base: options.learningRate)
        mask?.restrict(model.gradients)
        optimizer.step(parameters: model.parameters, gradients: model.gradients, lr: lr)
        mask?.restoreFrozen(model.parameters)
        return UnlearningStepRecord(
            step: step, totalSteps: totalSteps, epoch: epoch(ofStep: step), learningRate: lr,
            evaluation: evaluation, gradientNorm: norm, l1Penalty: l1Penalty, forgetIndices: forgetIndices)
    }

    /// Runs every step, calling `progress` after each.
    package func run(progress: (UnlearningStepRecord) throws -> Void = { _ in }) throws {
        for s in 1...totalSteps { try progress(try step(s)) }
    }

    /// The indices of the step's batch under a cycling schedule (epochs reshuffled).
    private static func indices(step: Int, schedule: BatchSchedule, cache: inout (epoch: Int, batches: [[Int]])?) -> [Int] {
        let epoch = (step - 1) / schedule.batchesPerEpoch
        if cache?.epoch != epoch { cache = (epoch, schedule.batches(epoch: epoch)) }
        return cache!.batches[(step - 1) % schedule.batchesPerEpoch]
    }
}

package enum UnlearningError: Error, CustomStringConvertible {
    case invalid(String)
    /// A non-finite value at step `step` (before its update is made or recorded): `quantity`
    /// names it ("the loss", "the gradient norm", "the G-effect on forget", …).
    case diverged(objective: String, step: Int, quantity: String, value: Double)

    package var description: String {
        switch self {
        case .invalid(let what): what
        case let .diverged(objective, step, quantity, value):
            "\(objective) diverged at step \(step): \(quantity) is \(value); lower the learning rate or clip gradients"
        }
    }
}
