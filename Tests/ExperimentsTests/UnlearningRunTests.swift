import Datasets
import Experiments
import Foundation
import Model
import NumericCore
import Store
import Testing
import TestSupport
import Unlearning

/// `gscope unlearn`'s engine end to end on a generated TOFU-shaped directory: the run file holds
/// what it promises, and the same configuration and seed give the same bytes.
@Suite("Unlearning runs")
struct UnlearningRunTests {
    /// A generated benchmark (20 authors) and a small random checkpoint for the byte tokenizer.
    static let setup = syntheticRunSetup("unlearn-run")

    static func run(_ objective: [String], steps: Int = 3, out: String = temporaryDirectory("unlearn-out")) throws
        -> (String, UnlearningExperiment)
    {
        let config = try ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(setup.checkpoint)", "data.dir=\(setup.data)", "data.tokenizer=byte",
                "data.forget_split=forget10", "data.max_length=320", "run.geffect_retain_size=8", "run.steps=\(steps)",
                "optimizer.lr=1.0e-3", "run.out=\(out)",
            ] + objective)
        let experiment = try UnlearningExperiment(config: config)
        _ = try experiment.run(into: out) { _, _ in }
        return (out, experiment)
    }

    @Test func theRunFileHoldsEveryStep() throws {
        let (out, experiment) = try Self.run([
            "objective.forget.name=npo", "objective.retain.name=kl", "run.checkpoint_every=2",
            "run.risk_sets=[world_facts]",
        ])
        let file = try H5File.open(out + "/run.h5")
        let root = file.root
        // Every optimiser step, about its own batch.
        #expect(try root.read("train/step", as: Int64.self).values == [1, 2, 3])
        let total = try root.read("train/loss/total", as: Double.self).values
        let forget = try root.read("train/loss/forget", as: Double.self).values
        let retain = try root.read("train/loss/retain", as: Double.self).values
        #expect(total.count == 3 && total.allSatisfy(\.isFinite))
        for i in 0..<3 { #expect(abs(total[i] - (forget[i] + retain[i])) < 1e-12) }
        // θ = θ_o at step 1: NPO's loss is (2/β)·log 2 and every instance weight is 1.
        #expect(abs(forget[0] - 2 / 0.1 * log(2.0)) < 1e-9)
        let weights = try root.read("train/instance_weight", as: Double.self)
        #expect(weights.shape == [3, 4] && weights.values[0..<4].allSatisfy { abs($0 - 1) < 1e-12 })
        let indices = try root.read("train/forget_index", as: Int64.self).values
        #expect(Set(indices).isSubset(of: Set((0..<40).map(Int64.init))))

        // The recorded steps θ_0 … θ_3: the whole forget set, both risk sets.
        #expect(try root.read("steps", as: Int64.self).values == [0, 1, 2, 3])
        #expect(abs(try root.read("loss/forget", as: Double.self).values[0] - 2 / 0.1 * log(2.0)) < 1e-9)
        let all = try root.read("weights/instance", as: Double.self)
        #expect(all.shape == [4, 40] && all.values[0..<40].allSatisfy { abs($0 - 1) < 1e-12 })
        for set in ["forget", "retain"] {
            let e = try root.read("geffect/\(set)/total", as: Double.self).values
            let tensor = try root.read("geffect/\(set)/tensor", as: Double.self)
            let groups = try root.read("geffect/\(set)/group", as: Double.self)
            #expect(tensor.shape == [4, experiment.unlearner.model.layout.slots.count] && groups.shape == [4, 5])
            for row in 0..<4 {
                let sum = tensor.values[(row * tensor.shape[1])..<((row + 1) * tensor.shape[1])].reduce(0, +)
                #expect(abs(sum - e[row]) <= 1e-9 * abs(e[row]))
                #expect(abs(groups.values[(row * 5)..<((row + 1) * 5)].reduce(0, +) - e[row]) <= 1e-9 * abs(e[row]))
            }
            let instance = try root.read("geffect/\(set)/instance", as: Double.self)
            let token = try root.read("geffect/\(set)/token", as: Double.self)
            let forgetTerm = try root.read("geffect/\(set)/term/forget", as: Double.self).values
            #expect(instance.shape == [4, 40] && token.shape == [4, 40, experiment.data.unlearning.sequenceLength])
            for row in 0..<4 {
                let sum = instance.values[(row * 40)..<((row + 1) * 40)].reduce(0, +)
                #expect(abs(sum - forgetTerm[row]) <= 1e-5 * abs(forgetTerm[row]))
            }
            #expect(try root.read("pgeffect/\(set)/instance", as: Double.self).shape == [4, 40])
            let u = try root.read("update_effect/\(set)/total", as: Double.self).values
            #expect(u.count == 4 && u[0..<3].allSatisfy(\.isFinite) && u[3].isNaN)
            #expect(try root.read("risk/\(set)/value", as: Double.self).values.allSatisfy { $0 > 0 })
        }
        #expect(try root.read("geffect/retain/total", as: Double.self).shape == [4])
        #expect(try root.group("risk").memberNames().sorted() == ["forget", "retain", "world_facts"])
        #expect(try root.read("geffect/world_facts/instance", as: Double.self).shape == [4, 40])
        let tokens = try root.read("data/forget/tokens", as: Int32.self)
        #expect(tokens.shape == [40, experiment.data.unlearning.sequenceLength])
        #expect(try root.readStrings("model/tensor_names") == experiment.unlearner.model.layout.slots.map(\.name))
        let config = try ExperimentConfig.load(yaml: try root.stringAttribute("config"))
        #expect(config.objective.retain.name == "kl")
        #expect(try root.stringAttribute("objective") == "npo+kl")
        #expect(FileManager.default.fileExists(atPath: out + "/checkpoint/model.safetensors"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/checkpoints") == ["step-000002"])
        #expect(try root.doubleAttribute("forget_nll_after") > 0)
        #expect(try H5File.open(out + "/run.h5").root.read("data/forget/mask", as: Float.self).values.contains(1))
    }

    /// With `SOURCE_DATE_EPOCH` fixing the `created` attribute, as in reproducible builds.
    @Test func sameConfigurationSameBytes() throws {
        try withFixedThreadCount {
            setenv("SOURCE_DATE_EPOCH", "1764460800", 1)
            let out = temporaryDirectory("unlearn-same")
            func files() throws -> [Data] {
                _ = try Self.run(["objective.forget.name=idkdpo"], out: out)
                let bytes = try ["run.h5", "checkpoint/model.safetensors"].map {
                    try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0))
                }
                try FileManager.default.removeItem(atPath: out)
                return bytes
            }
            let first = try files(), second = try files()
            #expect(first[0] == second[0], "run.h5 differs")
            #expect(first[1] == second[1], "checkpoint differs")
            let created = try H5File.open(try Self.run(["objective.forget.name=ga"], steps: 1).0 + "/run.h5").root
                .stringAttribute("created")
            #expect(created == "2025-11-30T00:00:00Z")
        }
    }

    /// Measuring G-effects on a subset of the forget set changes neither the run nor what is
    /// measured on those instances: the reference model's cached log-probabilities stay keyed by
    /// forget-split index.
    @Test func measuringASubsetChangesNothing() throws {
        try withFixedThreadCount {
            func run(_ extra: [String]) throws -> H5Group {
                let (out, _) = try Self.run(["objective.forget.name=npo", "run.forget_batch=8"] + extra, steps: 4)
                return try H5File.open(out + "/run.h5").root
            }
            let all = try run([]), subset = try run(["run.geffect_forget_size=8"])
            let loss = try all.read("train/loss/total", as: Double.self).values
            let subsetLoss = try subset.read("train/loss/total", as: Double.self).values
            #expect(loss.count == 4 && loss == subsetLoss)
            let index = try subset.read("data/forget/index", as: Int64.self).values.map(Int.init)
            let weights = try all.read("weights/instance", as: Double.self),
                measured = try subset.read("weights/instance", as: Double.self)
            #expect(measured.shape == [5, 8])
            for step in 0..<5 {
                for (k, i) in index.enumerated() {
                    let w = weights.values[step * 40 + i], v = measured.values[step * 8 + k]
                    #expect(abs(w - v) <= 1e-6 * abs(w), "step \(step), instance \(i): \(v) vs \(w)")
                }
            }
        }
    }

    /// `run.geffect_mode: paper` records totals, tensors, groups and weights, but no per-instance
    /// shares and no update effects.
    @Test func thePapersModeRecordsWhatItMeasures() throws {
        let (out, _) = try Self.run(
            ["objective.forget.name=npo", "objective.retain.name=gd", "run.geffect_mode=paper"], steps: 2)
        let root = try H5File.open(out + "/run.h5").root
        #expect(try root.stringAttribute("geffect_mode") == "paper")
        #expect(try root.read("geffect/retain/total", as: Double.self).values.allSatisfy(\.isFinite))
        #expect(try root.read("geffect/forget/group", as: Double.self).shape == [3, 5])
        #expect(try root.read("weights/instance", as: Double.self).shape == [3, 40])
        let geffect = try root.group("geffect/forget")
        #expect(
            !geffect.contains("instance") && !geffect.contains("token") && !root.contains("update_effect")
                && !root.contains("pgeffect"))
    }

    /// `eval.every`: TOFU's suite at steps 0, every k and the last, one row each under /eval, and
    /// each report's JSON under /eval/step-NNNNNN.
    @Test func evaluationDuringTheRun() throws {
        let (out, _) = try Self.run(
            [
                "objective.forget.name=ga", "eval.every=2", "eval.generate=false",
                "eval.retain_model=\(Self.setup.checkpoint)", "run.record_every=0",
            ], steps: 3)
        let root = try H5File.open(out + "/run.h5").root
        #expect(try root.read("eval/steps", as: Int64.self).values == [0, 2, 3])
        let quality = try root.read("eval/forget_quality", as: Double.self).values
        #expect(quality.count == 3 && quality[0] == 1)   // θ_0 is the retain model here
        #expect(try root.read("eval/forget_Q_A_Prob", as: Double.self).values.allSatisfy { $0 > 0 && $0 < 1 })
        let json = try root.readStrings("eval/step-000003/eval_json")[0]
        #expect(json.contains("\"forget_truth_ratio\"") && !json.contains("ROUGE"))
        // The table line reads the last evaluation (no G-effects were recorded).
        let row = try RunTable.row(of: out + "/run.h5")
        #expect(row.objective == "ga" && row.lastEvaluation["forget_quality"] == quality.last)
        #expect(row.lastEvaluation["model_utility"] == nil && row.forgetGEffect == nil)
        #expect(row.forgetNLL.after > row.forgetNLL.before)
    }

    /// `run` reports each G-effect measurement and each evaluation as it finishes, with its time,
    /// and returns where the run's time went: one count per measurement and evaluation the file holds.
    @Test func theRunReportsWhereItsTimeWent() throws {
        let out = temporaryDirectory("unlearn-times")
        let config = try ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(Self.setup.checkpoint)", "data.dir=\(Self.setup.data)", "data.tokenizer=byte",
                "data.forget_split=forget10", "data.max_length=320", "run.geffect_retain_size=8", "run.steps=3",
                "run.record_every=2", "objective.forget.name=ga", "eval.every=2", "eval.generate=false",
                "eval.retain_model=\(Self.setup.checkpoint)", "optimizer.lr=1.0e-3", "run.out=\(out)",
            ])
        var measured: [(Int, Double)] = [], evaluated: [(Int, Double)] = []
        let result = try UnlearningExperiment(config: config).run(
            into: out, progress: { _, _ in }, evaluated: { step, _, seconds in evaluated.append((step, seconds)) },
            measured: { step, seconds in measured.append((step, seconds)) })
        let root = try H5File.open(out + "/run.h5").root
        #expect(measured.map(\.0) == (try root.read("steps", as: Int64.self).values.map(Int.init)))
        #expect(evaluated.map(\.0) == (try root.read("eval/steps", as: Int64.self).values.map(Int.init)))
        let t = result.times
        #expect(t.measurementCount == 3 && t.evaluationCount == 3)
        #expect((measured + evaluated).allSatisfy { $0.1 > 0 })
        // The measurements' total also holds the update effects, the evaluations' nothing else.
        #expect(t.measurements >= measured.reduce(0) { $0 + $1.1 })
        #expect(abs(t.evaluations - evaluated.reduce(0) { $0 + $1.1 }) < 1e-9)
        #expect([t.answerNLL, t.updates, t.runFile, t.checkpoints].allSatisfy { $0 > 0 })
    }

    /// Markov runs record SimNPO's KL metric per group, with the Bayes-optimal and retrained references.
    @Test func markovRunsRecordTheKLMetric() throws {
        let root = temporaryDirectory("markov-eval")
        let config = GPTConfig(nLayer: 1, nHead: 1, nEmbd: 16, vocabSize: 10, blockSize: 32)
        let model = try GPT(config: config)
        var rng = RNG(seed: 5)
        model.initializeGPT2(rng: &rng)
        try Checkpoint.save(config: config, parameters: model.parameters.array, to: root + "/checkpoint")
        let experiment = try UnlearningExperiment(
            config: try ExperimentConfig.load(
                yaml: "",
                overrides: [
                    "model.checkpoint=\(root)/checkpoint", "data.kind=markov", "data.markov=A", "run.steps=2",
                    "run.record_every=0",
                    "eval.every=1", "eval.markov_test_size=8", "optimizer.lr=1e-3",
                ]))
        _ = try experiment.run(into: root + "/run") { _, _ in }
        let file = try H5File.open(root + "/run/run.h5").root
        #expect(try file.read("eval/steps", as: Int64.self).values == [0, 1, 2])
        for group in ["retain", "forget1", "forget2"] {
            #expect(try file.read("eval/kl_\(group)", as: Double.self).values.allSatisfy { $0 > 0 })
            #expect(try file.group("eval").doubleAttribute("bayes_kl_\(group)") > 0)
        }
        #expect(try file.group("eval").doubleAttribute("retrained_kl_retain") == 0)
        // The table shows the last KLs, and no TOFU columns.
        let row = try RunTable.row(of: root + "/run/run.h5")
        #expect(row.lastEvaluation["kl_forget2"] == (try file.read("eval/kl_forget2", as: Double.self).values.last))
        #expect(row.lastEvaluation["forget_quality"] == nil)
        let header = try RunTable.text(of: [root + "/run/run.h5"]).split(separator: "\n")[0]
        #expect(header.contains("kl forget1") && !header.contains("model utility"))
    }

    @Test func rmuStoresItsDirection() throws {
        let (out, experiment) = try Self.run(
            [
                "objective.forget.name=rmu", "objective.forget.layer=1",
                "run.geffect_forget_size=8",
            ], steps: 2)
        let root = try H5File.open(out + "/run.h5").root
        // G-effects on a fixed subset of 8 of the 40 forget instances.
        let index = try root.read("data/forget/index", as: Int64.self).values
        #expect(index.count == 8 && index == index.sorted() && Set(index).count == 8 && index.allSatisfy { $0 >= 0 && $0 < 40 })
        #expect(try root.read("geffect/forget/instance", as: Double.self).shape == [3, 8])
        #expect(try root.read("weights/instance", as: Double.self).shape == [3, 8])
        let u = try root.read("objective/rmu_u", as: Float.self).values
        #expect(u == (experiment.unlearner.objective.forget as! RMU).u)
        #expect(u.count == 32 && u.allSatisfy { $0 >= 0 && $0 < 1 })
    }
}
