import Foundation
import Datasets
import Instrumentation
import Model
import NumericCore
import Unlearning

/// An unlearning run built from a configuration: the starting checkpoint (also the frozen
/// reference θ_o), the data, the objective, the optimiser and the loop; `run` writes the run
/// directory.
public final class UnlearningExperiment {
    public let config: ExperimentConfig
    public let data: ExperimentData
    public let unlearner: Unlearner
    /// Evaluation every `eval.every` steps (nil when 0).
    let evaluation: RunEvaluation?

    /// Retain samples whose NLL is reported before and after the run (the first of the split).
    public static let retainReportCount = 200

    public init(config: ExperimentConfig) throws {
        let model = try Checkpoint.loadModel(from: config.model.checkpoint)
        let rng = RNG(seed: UInt64(config.seed))
        var objectiveRNG = rng.fork(1), dataRNG = rng.fork(2)
        let objective = config.objective.makeObjective(width: model.width, blocks: model.blockCount, rng: &objectiveRNG)
        data = try ExperimentData.load(config.data, blockSize: model.contextLength, refusals: objective.roles.contains(.refusal),
                                       riskSets: config.run.riskSets, rng: &dataRNG)
        guard data.vocabSize == model.vocabSize else {
            throw UnlearningError.invalid("the data's tokenizer has \(data.vocabSize) ids, the model \(config.model.checkpoint) has a vocabulary of \(model.vocabSize) (use the tokenizer it was trained with)")
        }
        let o = config.optimizer
        let optimizer: Optimizer = switch o.name {
        case .adamw: AdamW(count: model.parameterCount, beta1: Float(o.betas[0]), beta2: Float(o.betas[1]), eps: Float(o.eps),
                           weightDecay: Float(o.weightDecay), decayRanges: matrixRanges(of: model.layout))
        case .sgd: SGD()
        }
        let schedule: LearningRateSchedule = switch config.schedule.name {
        case .constant: .constant
        case .linear: .linearWarmupDecay(warmupSteps: config.schedule.warmupSteps)
        }
        let length: TrainingLength = switch config.run.length {
        case .epochs(let e): .epochs(e)
        case .steps(let n): .steps(n)
        case nil: throw UnlearningError.invalid("the configuration sets neither run.steps nor run.epochs")
        }
        let options = UnlearningOptions(length: length,
                                        forgetBatch: config.run.forgetBatch, retainBatch: config.run.retainBatch,
                                        learningRate: Float(o.lr), schedule: schedule, maxGradientNorm: o.maxGradNorm,
                                        seed: UInt64(config.seed))
        unlearner = try Unlearner(model: model, objective: objective, optimizer: optimizer, data: data.unlearning, options: options)
        evaluation = try RunEvaluation(config: config, data: data, blockSize: model.contextLength)
        self.config = config
    }

    /// The token-mean answer NLL of the whole forget set and of the first retain samples.
    public func answerNLL() throws -> (forget: Double, retain: Double) {
        let d = data.unlearning, model = unlearner.model
        let retain = Array(d.retain.prefix(Self.retainReportCount))
        return (try meanAnswerNLL(model, samples: d.forget, padding: d.padding, length: d.sequenceLength),
                retain.isEmpty ? .nan : try meanAnswerNLL(model, samples: retain, padding: d.padding, length: d.sequenceLength))
    }

    /// The G-effect instrumentation of the run: risk sets `forget` (the whole forget set),
    /// `retain` (`run.geffect_retain_size` retain samples, drawn with the run's seed, on which the
    /// objective's retain term is also measured) and those of `run.risk_sets` (capped alike);
    /// the forget set and objective reduced to `run.geffect_forget_size` instances when that is set;
    /// nil when `run.record_every` is 0. In the paper's mode (`run.geffect_mode: paper`) the
    /// retain and other risk sets are the pools its micro-batches are drawn from: the retain split
    /// after its first `paperRetainOffset` samples, and the other splits whole.
    public lazy var instrumenter: Instrumenter? = {
        guard config.run.recordEvery > 0 else { return nil }
        let d = data.unlearning, paper = config.run.geffectMode == .paper
        let size = paper || config.run.geffectRetainSize == 0 ? nil : config.run.geffectRetainSize
        var rng = RNG(seed: UInt64(config.seed)).fork(3)
        let retainPool = paper && d.retain.count > Self.paperRetainOffset ? Array(d.retain.dropFirst(Self.paperRetainOffset)) : d.retain
        let retain = RiskSet(name: "retain", from: retainPool, size: size, seed: rng.next())
        let extra = data.extraRiskSets.map { RiskSet(name: $0.name, from: $0.samples, size: size, seed: rng.next()) }
        let forgetSize = config.run.geffectForgetSize
        var forgetRNG = RNG(seed: rng.next())
        let measured = forgetSize == 0 || forgetSize >= d.forget.count ? nil
            : Array(IndexOrder.shuffled(count: d.forget.count, rng: &forgetRNG).prefix(forgetSize)).sorted()
        let forget = RiskSet(name: "forget", samples: measured.map { $0.map { d.forget[$0] } } ?? d.forget)
        let mode: GEffectMode = paper ? .paper(PaperProtocol(seed: rng.next())) : .exact
        return Instrumenter(unlearner: unlearner, riskSets: [forget, retain] + extra, retainSet: retain.samples,
                            chunk: config.run.chunk, measuredForget: measured, mode: mode)
    }()

    /// The paper's code draws its retain micro-batches from `retain[400:]`.
    public static let paperRetainOffset = 400

    /// What one step reports: the update's record and, at a recorded step, the measurement at the
    /// parameters it produced.
    public typealias Progress = (_ step: UnlearningStepRecord, _ measurement: StepMeasurement?) -> Void
    /// What an evaluation reports: the step and the summary values.
    public typealias EvaluationProgress = (_ step: Int, _ values: [(String, Double)]) -> Void

    /// Runs every step into `directory`: `run.h5`, `checkpoints/step-NNNNNN/` every
    /// `run.checkpoint_every` steps, and the final `checkpoint/`. G-effects are measured at step 0,
    /// every `run.record_every` steps and at the last step. Returns the answer NLLs before and after.
    public func run(into directory: String, progress: Progress, evaluated: EvaluationProgress = { _, _ in }) throws
        -> (before: (forget: Double, retain: Double), after: (forget: Double, retain: Double))
    {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let inst = instrumenter
        let runFile = try UnlearningRunFile(path: directory + "/run.h5", config: config, model: unlearner.model,
                                            objective: unlearner.objective, data: data.unlearning,
                                            measuredForget: inst?.measuredForget ?? Array(data.unlearning.forget.indices),
                                            forgetGroups: data.forgetGroups, forgetBatch: config.run.forgetBatch,
                                            riskSets: inst?.riskSets.map(\.name) ?? [], exact: inst?.mode == .exact,
                                            length: inst?.length ?? data.unlearning.sequenceLength)
        let before = try answerNLL()
        try runFile.setAttribute("forget_nll_before", before.forget)
        try runFile.setAttribute("retain_nll_before", before.retain)
        let total = unlearner.totalSteps, every = config.run.recordEvery, checkpointEvery = config.run.checkpointEvery
        var pending = try inst?.measure(step: 0)
        let evaluateEvery = config.eval.every
        func evaluate(_ step: Int) throws {
            guard let evaluation else { return }
            let result = try evaluation.evaluate(unlearner.model)
            try runFile.appendEvaluation(step: step, values: result.values, evalJSON: result.evalJSON) { evaluation.attributes }
            evaluated(step, result.values)
        }
        try evaluate(0)
        for s in 1...total {
            let record = try pending != nil && inst!.measuresTheUpdate
                ? unlearner.step(s, precomputed: inst!.lastEvaluation!) : unlearner.step(s)
            try runFile.append(record)
            if let m = pending, let inst {
                try runFile.append(m, updateEffects: inst.updateEffects(lr: record.learningRate))
                pending = nil
            }
            if let inst, s % every == 0 || s == total { pending = try inst.measure(step: s) }
            if checkpointEvery > 0, s % checkpointEvery == 0, s < total {
                try saveCheckpoint(directory + "/checkpoints/" + String(format: "step-%06d", s))
            }
            progress(record, pending)
            if s % max(evaluateEvery, 1) == 0 || s == total { try evaluate(s) }
        }
        if let m = pending { try runFile.append(m, updateEffects: nil) }
        let after = try answerNLL()
        try runFile.setAttribute("forget_nll_after", after.forget)
        try runFile.setAttribute("retain_nll_after", after.retain)
        try runFile.close()
        try saveCheckpoint(directory + "/checkpoint")
        return (before, after)
    }

    private func saveCheckpoint(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try unlearner.model.saveCheckpoint(to: path)
    }
}
