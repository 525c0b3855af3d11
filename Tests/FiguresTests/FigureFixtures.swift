import Datasets
import Experiments
import Figures
import Foundation
import Model
import NumericCore
import Store
import TestSupport

/// Run files for the figure tests: two real short unlearning runs, and a small hand-written file
/// with TOFU and Markov evaluations.
enum FigureFixtures {
    /// A generated benchmark (20 authors) and a small random checkpoint for the byte tokenizer.
    static let setup = syntheticRunSetup("figures-setup")

    /// Runs `objective` for three updates with every step recorded; returns the run file's path.
    static func run(_ objective: [String]) -> String {
        let out = temporaryDirectory("figures-run")
        let config = try! ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(setup.checkpoint)", "data.dir=\(setup.data)", "data.tokenizer=byte",
                "data.forget_split=forget10", "data.max_length=320", "run.geffect_retain_size=8", "run.steps=3",
                "optimizer.lr=1.0e-3", "run.out=\(out)", "run.geffect_forget_size=16",
            ] + objective)
        _ = try! UnlearningExperiment(config: config).run(into: out) { _, _ in }
        return out + "/run.h5"
    }

    /// NPO with a KL retain term and a third risk set (world facts); the interference at steps 0 and 3.
    static let npo = run([
        "objective.forget.name=npo", "objective.retain.name=kl", "run.risk_sets=[world_facts]", "run.interference_every=3",
        "run.interference_sets=[forget,retain]",
    ])
    /// Plain gradient ascent.
    static let ga = run(["objective.forget.name=ga"])

    /// NPO on Markov experiment A (forget1 and forget2 instances) with a one-block random model,
    /// two updates, every step recorded on 12 forget and 8 retain sequences.
    static let markovNPO: String = {
        let root = temporaryDirectory("figures-markov")
        let config = GPTConfig(nLayer: 1, nHead: 1, nEmbd: 16, vocabSize: 10, blockSize: 32)
        let model = try! GPT(config: config)
        var rng = RNG(seed: 7)
        model.initializeGPT2(rng: &rng)
        try! Checkpoint.save(config: config, parameters: model.parameters.array, to: root + "/checkpoint")
        let experiment = try! UnlearningExperiment(
            config: try! ExperimentConfig.load(
                yaml: "",
                overrides: [
                    "model.checkpoint=\(root)/checkpoint", "data.kind=markov", "data.markov=A", "objective.forget.name=npo",
                    "run.steps=2", "run.geffect_forget_size=12", "run.geffect_retain_size=8", "optimizer.lr=1e-3",
                ]))
        _ = try! experiment.run(into: root + "/run") { _, _ in }
        return root + "/run/run.h5"
    }()

    /// The NPO run marked as a relearning run (`gscope relearn`'s root attributes), its whole
    /// forget split being the `world_facts` risk set; a copy in a new directory.
    static func relearning(objective: String = "npo (attacked)") throws -> String {
        var image = try RunFileImage(path: npo)
        image.setAttribute("relearned_objective", of: "", .strings([objective]))
        image.setAttribute("relearn_risk_set", of: "", .strings(["world_facts"]))
        let path = temporaryDirectory("figures-relearn") + "/run.h5"
        try image.write(to: path)
        return path
    }

    /// A file with only `/eval`: TOFU's forget quality and model utility and the Markov KL metrics
    /// with their reference attributes, at steps 0, 5, 10.
    static let evaluations: String = {
        let path = temporaryDirectory("figures-eval") + "/eval.h5"
        let file = try! H5File.create(path)
        let root = file.root
        try! root.setAttribute("objective", "simnpo")
        let eval = try! root.createGroup("eval")
        try! eval.write("steps", [Int64(0), 5, 10])
        try! eval.write("forget_quality", [0.001, 0.02, 0.4])
        try! eval.write("model_utility", [0.62, 0.58, 0.51])
        try! eval.write("kl_retain", [0.05, 0.07, 0.09])
        try! eval.write("kl_forget1", [0.04, 0.3, 0.8])
        try! eval.write("kl_forget2", [0.045, 0.2, 0.5])
        for (group, bayes, retrained) in [("retain", 0.01, 0.0), ("forget1", 0.012, 0.9), ("forget2", 0.011, 0.6)] {
            try! eval.setAttribute("bayes_kl_\(group)", bayes)
            try! eval.setAttribute("retrained_kl_\(group)", retrained)
        }
        try! eval.setAttribute("test_sequences_per_group", 8)
        try! file.close()
        return path
    }()
}

/// The numbers of block `index` of a `.dat` text, row by row.
func dataBlock(_ text: String, index: Int) -> [[Double]] {
    let blocks = text.components(separatedBy: "\n\n\n")
    return blocks[index].split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        .map { $0.split(separator: "\t").map { $0 == "NaN" ? .nan : Double($0)! } }
}

/// Whether two numbers agree to the table's 10 significant digits (NaN agrees with NaN).
func agrees(_ a: Double, _ b: Double) -> Bool {
    (a.isNaN && b.isNaN) || abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1e-300)
}
