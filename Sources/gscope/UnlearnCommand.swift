import ArgumentParser
import Datasets
import Experiments
import Foundation
import Model
import Store
import NumericCore
import Unlearning

struct Unlearn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unlearn a forget set from a trained checkpoint with one objective, and write a run file.",
        discussion: """
            An experiment is a YAML file (the standard ones are under data/configs/); every key can be \
            overridden with --set key.path=value, and the main knobs have flags of their own, which \
            win over both. Without --config the built-in defaults are used. --model, --tokenizer, \
            --threads and --out set model.checkpoint, data.tokenizer, threads and run.out.

            The starting checkpoint is also kept, frozen, as the reference model θ_o that \
            \(ObjectiveDescription.referenceReaders) compare with. The loss is \
            γ·forget + α·retain (objective.forget_weight, objective.retain_weight).

            Forget objectives (objective.forget.name), with the defaults of their hyper-parameters \
            (objective.forget.KEY): \(ObjectiveDescription.namesWithDefaults(ObjectiveDescription.forget)). \
            Retain terms (objective.retain.name): \(ObjectiveDescription.namesWithDefaults(ObjectiveDescription.retain)). \
            `gscope objectives` describes each, with the allowed values.

            Writes OUT/run.h5 (resolved config, model tensor table, the forget set's tokens and mask, \
            and per step: lr, gradient norm, loss terms, the batch's forget indices and instance \
            weights; flushed every step), OUT/checkpoint/ (final) and, with run.checkpoint_every, \
            OUT/checkpoints/step-NNNNNN/.

            Examples:
              gscope unlearn --config data/configs/synthetic/npo.yaml --set run.steps=5
              gscope unlearn --config data/configs/tofu/forget01/npo.yaml --retain kl --lr 1e-5 --out runs/npo-kl
              gscope unlearn --config data/configs/markov/A_simnpo.yaml --set objective.forget.beta=5
              gscope unlearn --config data/configs/tofu/forget01/ga.yaml --forget-file news.jsonl --retain-file wiki.jsonl
            """)

    @Option(help: "Experiment YAML file (default: the built-in defaults).") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key, e.g. --set objective.forget.beta=0.5 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Forget objective (objective.forget.name): \(ObjectiveRegistry.forgetNames.joined(separator: ", ")).")
    var objective: String?
    @Option(help: "Retain term (objective.retain.name): \(ObjectiveRegistry.retainNames.joined(separator: ", ")).")
    var retain: String?
    @OptionGroup var modelToLoad: ModelToLoadOptions
    @Option(help: ArgumentHelp("Deprecated spelling of --model PATH.", visibility: .hidden)) var checkpoint: String?
    @Option(help: "TOFU-shaped data directory (data.dir).") var data: String?
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(help: "The forget set (data.forget_split; the retain split follows).") var forgetSplit: TOFUForgetSet?
    @Option(
        help: ArgumentHelp(
            "A forget set of your own (data.forget_file, replacing data.forget_split): JSON lines of question and answer (loss on the answer) or of text (loss on every token, in windows of data.max_length tokens).",
            valueName: "file")) var forgetFile: String?
    @Option(
        help: ArgumentHelp(
            "A retain set of your own (data.retain_file, replacing data.retain_split), as --forget-file.",
            valueName: "file")) var retainFile: String?
    @Option(help: "Optimiser steps (run.steps).") var steps: Int?
    @Option(help: "Base learning rate (optimizer.lr).") var lr: Double?
    @Option(help: "Seed of the run (batch order, refusal draws, RMU's direction).") var seed: Int?
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OptionalOutputDirectoryOptions
    @Option(
        help:
            "exact (full-set gradients, per instance and token) or paper (micro-batches of 4 with smoothed gradients, as the G-effect paper's code) (run.geffect_mode)."
    )
    var geffectMode: GEffectModeName?
    @Option(
        help:
            "Evaluate every K steps and at steps 0 and the last (eval.every): TOFU's metric suite for QA data (trajectories of forget quality and model utility in /eval), the KL metrics for Markov data."
    )
    var evalEvery: Int?
    @Option(help: "Checkpoint of the retain model, for forget quality and privleak (eval.retain_model).")
    var retainModel: String?
    @Flag(
        help:
            "Replace an existing run in the output directory (the new run is written beside it as run.h5.partial and renamed over it once complete; of the old checkpoints/, only gscope's step-NNNNNN checkpoints are removed)."
    ) var force = false
    @Flag(help: "Print only the first, every 10th and the last step.") var quiet = false

    /// The flags as `--set` overrides, after the explicit ones so that they win; `model` is
    /// `--model` merged with the old `--checkpoint`.
    func flagOverrides(model: String?) -> [String] {
        var o: [String] = []
        if let v = objective { o.append("objective.forget.name=\(v)") }
        if let v = retain { o.append("objective.retain.name=\(v)") }
        if let v = model { o.append("model.checkpoint=\(v)") }
        if let v = data { o.append("data.dir=\(v)") }
        if let v = tokenizerOptions.tokenizer { o.append("data.tokenizer=\(v)") }
        if let v = tokenizerOptions.chatFormat { o.append("data.chat_format=\(v.rawValue)") }
        if let v = forgetSplit { o.append("data.forget_split=\(v.rawValue)") }
        // A file replaces the split the config names (a flag wins over the file's keys).
        if let v = forgetFile { o += ["data.forget_split=null", "data.forget_file=\(Self.quoted(v))"] }
        if let v = retainFile { o += ["data.retain_split=null", "data.retain_file=\(Self.quoted(v))"] }
        if let v = steps { o.append("run.steps=\(v)") }
        if let v = lr { o.append("optimizer.lr=\(v)") }
        if let v = seed { o.append("seed=\(v)") }
        if let v = threadOptions.threads { o.append("threads=\(v)") }
        if let v = output.out { o.append("run.out=\(v)") }
        if let v = geffectMode { o.append("run.geffect_mode=\(v.rawValue)") }
        if let v = evalEvery { o.append("eval.every=\(v)") }
        if let v = retainModel { o.append("eval.retain_model=\(v)") }
        return o
    }

    /// A path as a YAML double-quoted scalar, so that an override reads it as a string whatever
    /// it holds (`: `, `#`, a number).
    static func quoted(_ path: String) -> String {
        "\"" + path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func run() throws {
        let model = try modelToLoad.merged(withDeprecated: checkpoint, named: "checkpoint")
        try threadOptions.check()   // --threads (else the config's `threads`, checked with the config)
        if forgetSplit != nil && forgetFile != nil {
            throw OptionError(option: "--forget-file", "--forget-split also names the forget set: give one of them")
        }
        Signals.reportFileSizeLimitAsError()
        let all = overrides + flagOverrides(model: model)
        let resolved =
            try config.map { try ExperimentConfig.load(path: $0, overrides: all) }
            ?? ExperimentConfig.load(yaml: "", file: "<defaults>", overrides: all)
        try Self.execute(resolved, force: force, quiet: quiet)
    }

    /// Runs the experiment `resolved` describes into its `run.out`, with progress on stdout: what
    /// `gscope unlearn` and `gscope relearn` do once their configuration is resolved. `attributes`
    /// are written as root attributes of the run file.
    static func execute(
        _ resolved: ExperimentConfig, force: Bool, quiet: Bool, attributes: [(String, String)] = [], verb: String = "unlearning"
    ) throws {
        Parallel.configure(threads: resolved.threads)
        let outDir = resolved.run.out
        try OutputDirectory.claim(outDir)   // before anything in OUT is opened, written or deleted
        let runPath = outDir + "/run.h5"
        let exists = FileManager.default.fileExists(atPath: runPath)
        guard !exists || force else {
            throw ValidationError("\(outDir) already holds a run; choose another --out or pass --force")
        }
        let experiment = try UnlearningExperiment(config: resolved)   // checks everything before touching OUT
        // --force: the new run is written beside the old one and replaces it only when complete.
        let writing = exists ? runPath + ".partial" : runPath
        let u = experiment.unlearner
        print(
            "\(verb) \(resolved.model.checkpoint) (\(u.model.parameterCount) parameters) with \(u.objective.name): "
                + "\(u.totalSteps) steps, forget batch \(resolved.run.forgetBatch), lr \(resolved.optimizer.lr), \(resolved.threads) threads"
        )
        print("data: \(experiment.data.summary)")
        if resolved.data.kind == .qa, resolved.data.forgetFile != nil {
            print("eval: TOFU's metric suite skipped (it needs a TOFU forget split's perturbed answers, not data.forget_file)")
        }
        fflush(nil)   // a log file sees the header before the first step, which can take minutes
        var bar = ProgressBar(total: u.totalSteps)
        Signals.catchStopRequests()
        let outcome: UnlearningExperiment.Outcome
        do {
            outcome = try experiment.run(
                into: outDir, runFile: writing, attributes: attributes,
                progress: { r, measured in
                    if !quiet || r.step == 1 || r.step % 10 == 0 || r.step == r.totalSteps {
                        let e = r.evaluation
                        var line = String(
                            format: "step %4d/%d  loss %+.4f  forget %+.4f", r.step, r.totalSteps, e.loss, e.forget.value)
                        if let retain = e.retain { line += String(format: "  retain %.4f", retain.value) }
                        line += String(format: "  |g| %.3g  lr %.2e", r.gradientNorm, r.learningRate)
                        if let m = measured, m.risks.count >= 2 {
                            line += String(format: "  e_forget %+.3g  e_retain %+.3g", m.risks[0].total, m.risks[1].total)
                        }
                        bar.log(
                            line + String(format: "  %.0f ms/step  ETA ", bar.elapsed / Double(r.step) * 1000)
                                + ProgressBar.duration(bar.remaining(after: r.step)))
                    }
                    bar.update(r.step)
                },
                evaluated: { step, values, seconds in
                    bar.log("  eval at step \(step): " + Self.evaluationLine(values) + String(format: "  (%.1f s)", seconds))
                },
                measured: { step, seconds in
                    if !quiet { bar.log(String(format: "  G-effects at step %d: %.1f s", step, seconds)) }
                },
                measuredInterference: { step, seconds in
                    if !quiet { bar.log(String(format: "  interference at step %d: %.1f s", step, seconds)) }
                },
                stopRequested: Signals.stopRequested)
        } catch let stop as RunInterrupted {
            throw fail(stop.description, exitCode: stop.exitStatus)
        } catch let error as UnlearningError {
            if case .diverged = error { throw fail("\(error) (\(writing) holds the steps before it)", exitCode: 1) }
            throw fail("\(error)", exitCode: 1)
        } catch let error as StoreError {
            throw fail("\(error)", exitCode: 1)
        } catch let error as ModelError {
            throw fail("\(error)", exitCode: 1)   // a checkpoint that could not be written
        }
        if exists {
            guard rename(writing, runPath) == 0 else {
                throw fail("\(writing): cannot rename to \(runPath): \(String(cString: strerror(errno)))", exitCode: 1)
            }
            StaleCheckpoints.remove(in: outDir + "/checkpoints", keeping: Set(experiment.checkpointSteps))
        }
        print(
            String(
                format: "answer NLL  forget %.4f → %.4f   retain %.4f → %.4f", outcome.before.forget,
                outcome.after.forget, outcome.before.retain, outcome.after.retain))
        print(Self.timesLine(outcome.times))
        print("wrote \(outDir)/run.h5 and \(outDir)/checkpoint")
    }

    /// `time: updates 41.2 s, G-effects 420.3 s (6), evaluations 180.2 s (2), …`: where the run's
    /// wall time went.
    static func timesLine(_ t: UnlearningExperiment.Times) -> String {
        String(
            format: "time: updates %.1f s, G-effects %.1f s (%d), evaluations %.1f s (%d), answer NLLs %.1f s, "
                + "run file %.2f s, checkpoints %.2f s",
            t.updates, t.measurements, t.measurementCount, t.evaluations, t.evaluationCount, t.answerNLL, t.runFile,
            t.checkpoints)
            + (t.interferenceCount > 0 ? String(format: ", interference %.1f s (%d)", t.interference, t.interferenceCount) : "")
    }

    /// The headline values of an evaluation: forget quality and model utility, or the Markov KLs.
    static func evaluationLine(_ values: [(String, Double)]) -> String {
        let wanted = ["forget_quality", "model_utility", "forget_Q_A_Prob", "kl_retain", "kl_forget1", "kl_forget2"]
        return values.filter { wanted.contains($0.0) }.map { "\($0.0) " + String(format: "%.4g", $0.1) }.joined(separator: "  ")
    }
}

/// Removing the step checkpoints an earlier run left in `OUT/checkpoints/` after `--force`
/// replaced that run: only directories named `step-NNNNNN`, only the files a checkpoint consists
/// of, and a directory only once it is empty. Anything else there is left alone.
enum StaleCheckpoints {
    static func remove(in directory: String, keeping steps: Set<Int>) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.count == 11 && name.hasPrefix("step-") {
            guard let step = Int(name.dropFirst(5)), !steps.contains(step) else { continue }
            let path = directory + "/" + name
            for file in [Checkpoint.weightsFile, Checkpoint.configFile] { try? fm.removeItem(atPath: path + "/" + file) }
            rmdir(path)   // fails, harmlessly, when something else is inside
        }
        rmdir(directory)
    }
}
