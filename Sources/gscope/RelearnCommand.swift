import ArgumentParser
import Experiments
import Foundation
import Store
import Unlearning

/// `gscope relearn`: the relearning attack on an unlearned model.
struct Relearn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Fine-tune an unlearned model on a few forget items (the relearning attack) and record how its forgetting is undone.",
        discussion: """
            Starts from --model (an unlearned checkpoint, e.g. OUT/checkpoint of gscope unlearn) and \
            fine-tunes it for --steps updates on --size items of its forget set, drawn with the seed: \
            the token-mean answer NLL, i.e. the objective ga with forget_weight -1, no retain term, no \
            mask, no l1 penalty. The data, tokenizer and optimiser come from the unlearning run: \
            --config, or else the configuration stored in the run file beside the checkpoint \
            (OUT/run.h5); --set overrides any key.

            The run file has the schema of gscope unlearn's, with the G-effects of the relearning \
            steps on the relearned items (forget), the retain risk set and the whole forget split (a \
            risk set named after it, e.g. forget01, never capped: run.risk_set_size 0), and, with --eval-every, TOFU's metrics on the whole split. Root \
            attributes relearned_from, relearned_objective and relearn_risk_set say what was attacked; \
            gscope plot --figure recovery draws several relearning runs together.

            Examples:
              gscope relearn --model runs/synthetic-npo/checkpoint --size 10 --steps 20 --out runs/relearn-npo
              gscope relearn --model runs/npo/checkpoint --config data/configs/synthetic/npo.yaml --lr 1e-4 --eval-every 5
            """)

    @OptionGroup var modelToLoad: ModelToLoadOptions
    @Option(help: "The unlearning run's YAML (default: the config stored in MODEL/../run.h5).") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key (repeatable); wins over the relearning settings.")
    var overrides: [String] = []
    @Option(help: "Forget items to relearn on (data.forget_subset), drawn with the seed.") var size = 10
    @Option(help: "Relearning updates (run.steps).") var steps = 10
    @Option(help: "Learning rate (optimizer.lr; default: the unlearning run's).") var lr: Double?
    @Option(help: "Seed (which items are relearned, batch order).") var seed: Int?
    @Option(help: "Evaluate TOFU's metrics every K steps, and at the first and last (eval.every).") var evalEvery: Int?
    @Option(help: "Checkpoint of the retain model, for forget quality (eval.retain_model).") var retainModel: String?
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Output directory (default: MODEL/../relearn).") var out: String?
    @Flag(help: "Replace an existing run in the output directory.") var force = false
    @Flag(help: "Print only the first, every 10th and the last step.") var quiet = false

    func validate() throws {
        if size < 1 { throw ValidationError("--size must be at least 1, got \(size)") }
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        let model = try modelToLoad.required(for: "the unlearned checkpoint to attack")
        try threadOptions.check()
        let parent = (model as NSString).deletingLastPathComponent
        let base: ExperimentConfig
        if let config {
            base = try ExperimentConfig.load(path: config)
        } else {
            let runPath = (parent.isEmpty ? "." : parent) + "/run.h5"
            guard FileManager.default.fileExists(atPath: runPath) else {
                throw ValidationError("\(model) has no run file beside it (\(runPath)): give the unlearning run's --config")
            }
            let file = try H5File.open(runPath)
            defer { try? file.close() }
            base = try ExperimentConfig.load(yaml: try file.root.stringAttribute("config"), file: runPath + " (config)")
        }
        let wholeForget = base.data.forgetSplit?.rawValue ?? base.data.forgetFile
        // The attack's objective: ga with γ = −1 (the forget NLL, descended), nothing else.
        var attack = base
        attack.objective = .init(
            forget: ExperimentConfig.ForgetObjective(GradientAscent.self), retain: ExperimentConfig.RetainTerm(),
            forgetWeight: -1,
            retainWeight: 1)
        var settings = [
            "model.checkpoint=\(Unlearn.quoted(model))", "name=relearn-\(base.name)", "optimizer.mask.method=none",
            "data.forget_subset=\(size)", "run.steps=\(steps)", "run.epochs=null",
            "run.record_every=1", "run.geffect_forget_size=0", "run.interference_every=0", "run.risk_set_size=0",
            "run.out=\(Unlearn.quoted(out ?? (parent.isEmpty ? "." : parent) + "/relearn"))",
        ]
        if let wholeForget, !base.run.riskSets.contains(wholeForget) {
            settings.append(
                "run.risk_sets=[" + (base.run.riskSets + [wholeForget]).map(Unlearn.quoted).joined(separator: ",") + "]")
        }
        if let lr { settings.append("optimizer.lr=\(lr)") }
        if let seed { settings.append("seed=\(seed)") }
        if let evalEvery { settings.append("eval.every=\(evalEvery)") }
        if let retainModel { settings.append("eval.retain_model=\(Unlearn.quoted(retainModel))") }
        if let threads = threadOptions.threads { settings.append("threads=\(threads)") }
        let resolved = try ExperimentConfig.load(yaml: attack.resolvedYAML, file: "<relearn>", overrides: settings + overrides)
        var attacked = base.objective.forget.name
        if base.objective.retain.name != "none" { attacked += "+" + base.objective.retain.name }
        if base.objective.l1.alpha > 0 { attacked += "+l1" }
        if base.optimizer.mask.method != .none { attacked += " (\(base.optimizer.mask.method.rawValue) mask)" }
        let riskSet = wholeForget.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "forget"
        try Unlearn.execute(
            resolved, force: force, quiet: quiet,
            attributes: [("relearned_from", model), ("relearned_objective", attacked), ("relearn_risk_set", riskSet)],
            verb: "relearning")
    }
}
