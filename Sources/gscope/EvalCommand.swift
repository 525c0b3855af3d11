import ArgumentParser
import Datasets
import Evaluation
import Experiments
import Foundation
import Model
import NumericCore
import Store

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint with TOFU's metric suite and write open-unlearning-shaped JSON.",
        discussion: """
            Computes, as open-unlearning does: answer probabilities (forget, retain, real authors, \
            world facts; true, paraphrased and perturbed answers), the truth ratio of each set, \
            normalised probabilities with options (real authors, world facts), ROUGE-1/ROUGE-L recall \
            of greedy answers (at most --max-new-tokens, stopped at the end token), model utility (the \
            harmonic mean of the nine retain / real-authors / world-facts values), exact memorisation \
            and extraction strength on the forget set; with --retain-model, forget quality (the \
            Kolmogorov–Smirnov p-value of the forget-set truth ratios against the retain model's); \
            with --holdout, the membership-inference AUCs (LOSS, ZLib, Min-K%, Min-K%++; forget \
            against holdout) and, with both, privleak.

            Writes OUT/eval.json (every metric: agg_value and value_by_index, generations per item, \
            like open-unlearning's TOFU_EVAL.json) and OUT/summary.json ({metric: agg_value}). With \
            --run RUN.h5 the report also goes into the run file, under /eval/step-NNNNNN/eval_json \
            (the step from --step, or from a checkpoint directory named step-NNNNNN).

            Examples:
              gscope eval --model runs/npo/checkpoint --data path/to/tofu --tokenizer runs/tofu/tokenizer.json \\
                --forget-split forget01 --retain-model runs/tofu/retain/checkpoint --out runs/npo/eval
              gscope eval --model runs/synthetic/target/checkpoint --data runs/synthetic/data \\
                --tokenizer runs/synthetic/tokenizer.json --holdout holdout01 --out runs/synthetic/eval
            """)

    @OptionGroup var modelToLoad: ModelToLoadOptions
    @Option(help: "TOFU-shaped data directory (TOFU itself or `gscope data synth` output).") var data: String
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(help: "The forget set; its retain set follows.") var forgetSplit: TOFUForgetSet = .forget01
    @Option(help: "Checkpoint of a model trained without the forget split: enables forget quality and privleak.") var retainModel:
        String?
    @Option(help: "A split of --data the model never saw (e.g. holdout01): enables the membership-inference metrics.")
    var holdout: String?
    @Option(help: "Longest greedy answer, in tokens.") var maxNewTokens: Int = 200
    @Flag(help: "Skip the generations (no ROUGE, no model utility): teacher-forced metrics only.") var noGenerate = false
    @OptionGroup var output: OutputDirectoryOptions
    @Option(name: .customLong("run"), help: "A run file to store the report in, under /eval/step-NNNNNN.") var runFile: String?
    @Option(help: "The step the checkpoint belongs to (for --run; default: from a step-NNNNNN directory name).") var step: Int?
    @OptionGroup var threads: ThreadOptions

    /// The output directory.
    private var out: String { output.out }

    func validate() throws {
        _ = try modelToLoad.required(for: "the model to evaluate")
        _ = try tokenizerOptions.required(for: "the one the model was trained with")
    }

    func run() throws {
        try threads.apply()
        let forget = forgetSplit
        let model = try modelToLoad.required(for: "the model to evaluate")
        let tokenizer = try tokenizerOptions.required(for: "the one the model was trained with")
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        let runStep = try runFile.map { _ in try checkpointStep(model) }
        Signals.reportFileSizeLimitAsError()
        try OutputDirectory.claim(out)
        if let runFile {
            try OutputDirectory.claim(
                (runFile as NSString).deletingLastPathComponent.isEmpty ? "." : (runFile as NSString).deletingLastPathComponent)
        }
        let text = try tokenizerOptions.load(tokenizer)
        let start = Date()
        let evaluated = try TOFUEvaluationJob.loadModel(model, vocabSize: text.vocabSize)
        /// A line as it happens, also in a log file.
        func say(_ line: String) {
            print(line)
            fflush(nil)
        }
        if retainModel != nil { say("scoring the retain model \(retainModel!) ...") }
        let job = try TOFUEvaluationJob(
            dataDir: data, tokenizer: text, forgetSplit: forget, holdout: holdout,
            retainModel: retainModel, maxLength: evaluated.contextLength,
            maxNewTokens: maxNewTokens, generate: !noGenerate)
        say(
            "evaluating \(model) on \(data) (\(forget.rawValue): \(job.sets.forget.items.count) items; retain \(job.sets.retain.items.count), "
                + "real authors \(job.sets.realAuthors.items.count), world facts \(job.sets.worldFacts.items.count)"
                + (job.sets.holdout.map { ", holdout \($0.count)" } ?? "") + ") ...")
        let report = try job.evaluate(evaluated) { say("  " + $0) }
        try report.write(to: out)
        if let path = runFile, let runStep {
            do {
                let file = try H5File.open(path, writable: true)
                try file.root.groupCreatingIfNeeded("eval").createGroup(String(format: "step-%06d", runStep)).write(
                    "eval_json", [report.evalJSON])
                try file.close()
            } catch {
                throw fail("\(error)", exitCode: 1)   // a StoreError: one line naming the file
            }
        }
        for (name, result) in report.metrics {
            print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "%.6g", result.aggValue))
        }
        print("wrote \(out)/eval.json and \(out)/summary.json in " + String(format: "%.1f s", Date().timeIntervalSince(start)))
    }

    /// `--step`, or the number in the checkpoint directory `model` when it is named `step-NNNNNN`.
    func checkpointStep(_ model: String) throws -> Int {
        if let step { return step }
        let name = URL(fileURLWithPath: model).lastPathComponent
        guard name.hasPrefix("step-"), let n = Int(name.dropFirst(5)) else {
            throw ValidationError("--run needs --step: the checkpoint directory \(model) is not named step-NNNNNN")
        }
        return n
    }
}
