import Foundation
import Datasets
import Instrumentation
import Model
import NumericCore
import Unlearning

/// An unlearning run built from a configuration: the starting checkpoint (also the frozen
/// reference θ_o), the data, the objective, the optimiser and the loop; `run` writes the run
/// directory.
package final class UnlearningExperiment {
    package let config: ExperimentConfig
    package let data: ExperimentData
    package let unlearner: Unlearner
    /// Evaluation every `eval.every` steps (nil when 0).
    let evaluation: RunEvaluation?

    /// Retain samples whose NLL is reported before and after the run (the first of the split).
    package static let retainReportCount = 200

    package init(config: ExperimentConfig) throws {
        let model = try Checkpoint.loadModel(from: config.model.checkpoint)
        let rng = RNG(seed: UInt64(config.seed))
        var objectiveRNG = rng.fork(1), dataRNG = rng.fork(2)
        let objective = config.objective.makeObjective(width: model.width, blocks: model.blockCount, rng: &objectiveRNG)
        data = try ExperimentData.load(
            config.data, blockSize: model.contextLength, refusals: objective.roles.contains(.refusal),
            riskSets: config.run.riskSets, rng: &dataRNG)
        guard data.vocabSize == model.vocabSize else {
            throw UnlearningError.invalid(
                "the data's tokenizer has \(data.vocabSize) ids, the model \(config.model.checkpoint) has a vocabulary of \(model.vocabSize) (use the tokenizer it was trained with)"
            )
        }
        let o = config.optimizer
        let optimizer: Optimizer =
            switch o.name {
            case .adamw:
                AdamW(
                    count: model.parameterCount, beta1: Float(o.betas[0]), beta2: Float(o.betas[1]), eps: Float(o.eps),
                    weightDecay: Float(o.weightDecay), decayRanges: matrixRanges(of: model.layout))
            case .sgd: SGD()
            }
        let schedule: LearningRateSchedule =
            switch config.schedule.name {
            case .constant: .constant
            case .linear: .linearWarmupDecay(warmupSteps: config.schedule.warmupSteps)
            }
        let length: TrainingLength =
            switch config.run.length {
            case .epochs(let e): .epochs(e)
            case .steps(let n): .steps(n)
            case nil: throw UnlearningError.invalid("the configuration sets neither run.steps nor run.epochs")
            }
        let options = UnlearningOptions(
            length: length,
            forgetBatch: config.run.forgetBatch, retainBatch: config.run.retainBatch,
            learningRate: Float(o.lr), schedule: schedule, maxGradientNorm: o.maxGradNorm,
            seed: UInt64(config.seed))
        if config.run.interferenceEvery > 0 {
            let known = ["forget", "retain"] + data.extraRiskSets.map(\.name)
            if let unknown = config.run.interferenceSets.first(where: { !known.contains($0) }) {
                throw UnlearningError.invalid(
                    "run.interference_sets names \(unknown), which is not a risk set of the run (\(known.joined(separator: ", ")))"
                )
            }
        }
        unlearner = try Unlearner(
            model: model, objective: objective, optimizer: optimizer, data: data.unlearning, options: options)
        evaluation = try RunEvaluation(config: config, data: data, blockSize: model.contextLength)
        self.config = config
        try restrictTheUpdate()
    }

    /// `optimizer.mask`: scores every weight at θ_0 (`WeightAttribution`) on the whole forget set
    /// and the retain risk set, and restricts every update to the largest `ratio` of them.
    private func restrictTheUpdate() throws {
        let m = config.optimizer.mask
        guard let method = MaskScore(rawValue: m.method.rawValue) else { return }
        let d = data.unlearning
        var rng = RNG(seed: UInt64(config.seed)).fork(3), randomScores = RNG(seed: UInt64(config.seed)).fork(4)
        let scores = try WeightAttribution.scores(
            method, unlearner: unlearner, forget: RiskSet(name: "forget", samples: d.forget),
            retain: retainRiskSet(paper: false, rng: &rng), gamma: m.gamma, seed: randomScores.next(),
            chunk: config.run.chunk)
        let keep = WeightAttribution.keepLargest(
            scores, ratio: m.ratio, perTensor: m.scope == .tensor, layout: unlearner.model.layout)
        unlearner.mask = UpdateMask(keep: keep, parameters: unlearner.model.parameters)
    }

    /// The retain risk set, drawn with `rng`'s next value: `run.geffect_retain_size` retain samples
    /// (0: all); in the paper's mode the pool after the first `paperRetainOffset` samples.
    private func retainRiskSet(paper: Bool, rng: inout RNG) -> RiskSet {
        let d = data.unlearning
        let size = paper || config.run.geffectRetainSize == 0 ? nil : config.run.geffectRetainSize
        let offset = paper && d.retain.count > Self.paperRetainOffset ? Self.paperRetainOffset : 0
        return RiskSet(name: "retain", from: d.retain, offset: offset, size: size, seed: rng.next())
    }

    /// The token-mean answer NLL of the whole forget set and of the first retain samples.
    package func answerNLL() throws -> (forget: Double, retain: Double) {
        let d = data.unlearning, model = unlearner.model
        let retain = Array(d.retain.prefix(Self.retainReportCount))
        return (
            try meanAnswerNLL(model, samples: d.forget),
            retain.isEmpty ? .nan : try meanAnswerNLL(model, samples: retain)
        )
    }

    /// The G-effect instrumentation of the run: risk sets `forget` (the whole forget set),
    /// `retain` (`run.geffect_retain_size` retain samples, drawn with the run's seed, on which the
    /// objective's retain term is also measured) and those of `run.risk_sets` (capped alike);
    /// the forget set and objective reduced to `run.geffect_forget_size` instances when that is set;
    /// nil when `run.record_every` is 0. In the paper's mode (`run.geffect_mode: paper`) the
    /// retain and other risk sets are the pools its micro-batches are drawn from: the retain split
    /// after its first `paperRetainOffset` samples, and the other splits whole.
    package lazy var instrumenter: Instrumenter? = {
        guard config.run.recordEvery > 0 else { return nil }
        let d = data.unlearning, paper = config.run.geffectMode == .paper
        let size = paper || config.run.geffectRetainSize == 0 ? nil : config.run.geffectRetainSize
        var rng = RNG(seed: UInt64(config.seed)).fork(3)
        let retain = retainRiskSet(paper: paper, rng: &rng)
        let extraSize = paper ? nil : config.run.riskSetSize.map { $0 == 0 ? nil : $0 } ?? size
        let extra = data.extraRiskSets.map { RiskSet(name: $0.name, from: $0.samples, size: extraSize, seed: rng.next()) }
        let forgetSize = config.run.geffectForgetSize
        var forgetRNG = RNG(seed: rng.next())
        let measured =
            forgetSize == 0 || forgetSize >= d.forget.count
            ? nil
            : Array(IndexOrder.shuffled(count: d.forget.count, rng: &forgetRNG).prefix(forgetSize)).sorted()
        let forget = RiskSet(
            name: "forget", samples: measured.map { $0.map { d.forget[$0] } } ?? d.forget, indices: measured,
            splitSize: d.forget.count)
        let mode: GEffectMode = paper ? .paper(PaperProtocol(seed: rng.next())) : .exact
        return Instrumenter(
            unlearner: unlearner, riskSets: [forget, retain] + extra, retainSet: retain.samples,
            chunk: config.run.chunk, measuredForget: measured, mode: mode,
            interference: config.run.interferenceEvery > 0 ? config.run.interferenceSets : [])
    }()

    /// The paper's code draws its retain micro-batches from `retain[400:]`.
    package static let paperRetainOffset = 400

    /// What one step reports: the update's record and, at a recorded step, the measurement at the
    /// parameters it produced.
    package typealias Progress = (_ step: UnlearningStepRecord, _ measurement: StepMeasurement?) -> Void
    /// What an evaluation reports: the step, the summary values and the seconds it took.
    package typealias EvaluationProgress = (_ step: Int, _ values: [(String, Double)], _ seconds: Double) -> Void
    /// What a G-effect measurement reports: the step measured and the seconds it took.
    package typealias MeasurementProgress = (_ step: Int, _ seconds: Double) -> Void

    /// Where a run's wall time went, in seconds: the answer NLLs before and after, the updates,
    /// the G-effect measurements (with their update effects), the evaluations, writing the run
    /// file (HDF5) and the checkpoints.
    package struct Times: Sendable {
        package var answerNLL = 0.0, updates = 0.0, measurements = 0.0, evaluations = 0.0, runFile = 0.0, checkpoints = 0.0
        /// The forget × retain interference measurements (`run.interference_every`).
        package var interference = 0.0
        package var measurementCount = 0, evaluationCount = 0, interferenceCount = 0
        /// The seconds of the last `add`.
        private(set) var last = 0.0

        /// Runs `body` and adds its wall time to `phase` (and keeps it in `last`).
        mutating func add<T>(_ phase: WritableKeyPath<Times, Double>, _ body: () throws -> T) rethrows -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            defer {
                last = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                self[keyPath: phase] += last
            }
            return try body()
        }
    }

    /// What `run` returns: the answer NLLs before and after, and where the time went.
    package typealias Outcome = (before: (forget: Double, retain: Double), after: (forget: Double, retain: Double), times: Times)

    /// Runs every step into `directory`: the run file (`runFile`, by default `run.h5`),
    /// `checkpoints/step-NNNNNN/` every `run.checkpoint_every` steps, and the final `checkpoint/`.
    /// G-effects are measured at step 0, every `run.record_every` steps and at the last step.
    /// Returns the answer NLLs before and after, and where the time went.
    ///
    /// The answer NLLs before, the measurement at step 0 and the first evaluation come first; the
    /// run file is created only then, with every dataset it will fill, and written in SWMR mode
    /// (see ``UnlearningRunFile``). Its `status` ends as `complete`, or:
    /// - `diverged at step N` when the loss, the gradient or a G-effect of step N is not finite:
    ///   nothing of step N is written, and ``UnlearningError/diverged(objective:step:quantity:value:)``
    ///   is thrown;
    /// - `interrupted at step N` when `stopRequested` (asked between the phases of every step)
    ///   returns a signal number: the step in flight, N, is abandoned, what was finished before it
    ///   is written, and ``RunInterrupted`` is thrown.
    /// Any other error (a full disk) closes every handle of the file before it is rethrown.
    package func run(
        into directory: String, runFile runPath: String? = nil, attributes: [(String, String)] = [], progress: Progress,
        evaluated: EvaluationProgress = { _, _, _ in }, measured: MeasurementProgress = { _, _ in },
        measuredInterference: MeasurementProgress = { _, _ in },
        stopRequested: () -> Int32? = { nil }
    ) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = runPath ?? directory + "/run.h5"
        let objectiveName = unlearner.objective.name
        func checkStop(before step: Int) throws {
            if let signal = stopRequested() { throw RunInterrupted(signal: signal, step: step, runFile: nil) }
        }
        let inst = instrumenter
        var times = Times()
        func measure(_ step: Int, _ inst: Instrumenter) throws -> StepMeasurement {
            let m = try times.add(\.measurements) { try inst.measure(step: step) }
            times.measurementCount += 1
            measured(step, times.last)
            try Self.checkFinite(m, objective: objectiveName)
            return m
        }
        try checkStop(before: 1)
        let before = try times.add(\.answerNLL) { try answerNLL() }
        try checkStop(before: 1)
        /// The interference at recorded step `step`, when `run.interference_every` asks for it.
        func interference(_ step: Int, _ inst: Instrumenter) throws -> InterferenceMeasurement? {
            let every = config.run.interferenceEvery
            guard every > 0, step % every == 0 || step == unlearner.totalSteps else { return nil }
            let m = try times.add(\.interference) { try inst.measureInterference(step: step) }
            times.interferenceCount += 1
            measuredInterference(step, times.last)
            try Self.checkFinite(m, objective: objectiveName)
            return m
        }
        var pending = try inst.map { try measure(0, $0) }
        try checkStop(before: 1)
        let firstInterference = try inst.flatMap { try interference(0, $0) }
        try checkStop(before: 1)
        let first = try times.add(\.evaluations) { try evaluation?.evaluate(unlearner.model) }
        let firstSeconds = times.last
        try checkStop(before: 1)

        let runFile = try times.add(\.runFile) {
            try UnlearningRunFile(
                path: path, config: config, model: unlearner.model,
                objective: unlearner.objective, data: data.unlearning,
                measuredForget: inst?.measuredForget ?? Array(data.unlearning.forget.indices),
                forgetGroups: data.forgetGroups, forgetBatch: config.run.forgetBatch,
                riskSets: inst?.riskSets ?? [], exact: inst?.mode == .exact,
                length: inst?.length ?? data.unlearning.sequenceLength,
                evaluation: first.map { .init(names: $0.values.map(\.0), attributes: evaluation!.attributes) },
                interference: inst?.interferenceSets.map { (name: $0.name, items: $0.samples.count) } ?? [],
                mask: unlearner.mask, attributes: attributes, forgetSubset: data.forgetSubset,
                answerNLLBefore: before)
        }
        if let firstInterference { try times.add(\.runFile) { try runFile.append(firstInterference) } }
        var current = 0   // the step in flight: nothing of it is in the file yet
        do {
            let total = unlearner.totalSteps, every = config.run.recordEvery, checkpointEvery = config.run.checkpointEvery
            let evaluateEvery = config.eval.every
            /// Evaluates at `step` (or takes the evaluation `precomputed` in `seconds`) and writes it.
            func evaluate(_ step: Int, _ precomputed: RunEvaluation.Result? = nil, seconds: Double = 0) throws {
                guard let evaluation else { return }
                let result = try precomputed ?? times.add(\.evaluations) { try evaluation.evaluate(unlearner.model) }
                let took = precomputed == nil ? times.last : seconds
                times.evaluationCount += 1
                try times.add(\.runFile) {
                    try runFile.appendEvaluation(step: step, values: result.values, evalJSON: result.evalJSON)
                }
                evaluated(step, result.values, took)
            }
            try evaluate(0, first, seconds: firstSeconds)
            func stopIfRequested() throws {
                guard let signal = stopRequested() else { return }
                // What is measured at a finished step is written; the step in flight is not.
                if let m = pending, m.step < current { try runFile.append(m, updateEffects: nil) }
                try runFile.finish(status: "interrupted at step \(current)")
                throw RunInterrupted(signal: signal, step: current, runFile: path)
            }
            for s in 1...total {
                current = s
                try stopIfRequested()
                let record = try times.add(\.updates) { try unlearner.step(s) }
                try stopIfRequested()
                try times.add(\.runFile) { try runFile.append(record) }
                if let m = pending, let inst {
                    let effects = times.add(\.measurements) { inst.updateEffects(lr: record.learningRate) }
                    try times.add(\.runFile) { try runFile.append(m, updateEffects: effects) }
                    pending = nil
                }
                if let inst, s % every == 0 || s == total {
                    pending = try measure(s, inst)
                    if let m = try interference(s, inst) { try times.add(\.runFile) { try runFile.append(m) } }
                }
                if checkpointEvery > 0, s % checkpointEvery == 0, s < total {
                    try times.add(\.checkpoints) {
                        try saveCheckpoint(directory + "/checkpoints/" + String(format: "step-%06d", s))
                    }
                }
                progress(record, pending)
                if s % max(evaluateEvery, 1) == 0 || s == total {
                    current = s + 1   // a stop during the evaluation keeps step s
                    try stopIfRequested()
                    try evaluate(s)
                    current = s
                }
            }
            current = total + 1
            if let m = pending { try times.add(\.runFile) { try runFile.append(m, updateEffects: nil) } }
            let after = try times.add(\.answerNLL) { try answerNLL() }
            try times.add(\.runFile) { try runFile.finish(status: UnlearningRunFile.complete, answerNLLAfter: after) }
            try times.add(\.checkpoints) { try saveCheckpoint(directory + "/checkpoint") }
            return (before, after, times)
        } catch let error as RunInterrupted {
            throw error
        } catch let error as UnlearningError {
            if case .diverged(_, let step, _, _) = error {
                runFile.abandon(status: "diverged at step \(step)")
            } else {
                runFile.abandon(status: "failed at step \(current)")
            }
            throw error
        } catch {
            runFile.abandon(status: "failed at step \(current)")
            throw error
        }
    }

    /// Throws ``UnlearningError/diverged(objective:step:quantity:value:)`` when a loss, risk,
    /// gradient norm or G-effect of the measurement is not finite (instance weights and NLLs may
    /// be: NaN marks an instance without a weight).
    static func checkFinite(_ m: StepMeasurement, objective: String) throws {
        func check(_ values: [Double], _ quantity: String) throws {
            if let bad = values.first(where: { !$0.isFinite }) {
                throw UnlearningError.diverged(objective: objective, step: m.step, quantity: quantity, value: bad)
            }
        }
        try check([m.loss, m.forget, m.retain ?? 0], "the objective over the whole sets")
        for r in m.risks {
            try check([r.value], "the risk of \(r.name)")
            try check([r.gradNorm2], "the gradient of the risk of \(r.name)")
            try check(r.tensor + [r.forgetTerm, r.retainTerm], "the G-effect on \(r.name)")
            try check(r.units.head + r.units.mlpGroup + r.units.rest, "a per-head or per-MLP-group G-effect on \(r.name)")
            try check(r.instance + r.token + r.refusalToken, "a per-instance or per-token G-effect on \(r.name)")
            try check(r.pgEffect, "a PG-effect on \(r.name)")
        }
    }

    /// Throws ``UnlearningError/diverged(objective:step:quantity:value:)`` when an interference
    /// value is not finite.
    static func checkFinite(_ m: InterferenceMeasurement, objective: String) throws {
        for set in m.sets {
            if let bad = (set.instance + set.token).first(where: { !$0.isFinite }) {
                throw UnlearningError.diverged(
                    objective: objective, step: m.step, quantity: "the interference with \(set.name)", value: bad)
            }
        }
    }

    /// The steps whose checkpoints `run` writes under `checkpoints/` (`run.checkpoint_every`).
    package var checkpointSteps: [Int] {
        let every = config.run.checkpointEvery, total = unlearner.totalSteps
        return every > 0 ? Array(stride(from: every, to: total, by: every)) : []
    }

    private func saveCheckpoint(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try unlearner.model.saveCheckpoint(to: path)
    }
}
