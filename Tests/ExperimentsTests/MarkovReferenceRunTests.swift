import Datasets
import Experiments
import Foundation
import Model
import NumericCore
import Store
import Testing
import TestSupport
import Unlearning

/// SimNPO's reference protocol (issue 19, item 4): `data.forget_pool` draws a fixed pool of forget
/// sequences mixed from both chains, and an unlearning run starts from a checkpoint of the
/// reference Markov model as from any other, its architecture read from config.json.
@Suite("The reference Markov protocol")
struct MarkovReferenceRunTests {
    static func markovData(pool: Int, seed: UInt64) throws -> ExperimentData {
        var config = ExperimentConfig.defaults.data
        config.kind = .markov
        config.markov = .A
        config.forgetPool = pool
        // As `UnlearningExperiment` passes it: the run's data stream.
        var rng = RNG(seed: seed).fork(2)
        return try ExperimentData.load(config, blockSize: 19, refusals: false, rng: &rng)
    }

    /// The first 200 of a seeded shuffle of forget1 ∪ forget2 (8,000 sequences of experiment A):
    /// about half from each chain, the same for the same run seed, another for another, in the data
    /// set's order; 0 (and a pool as large as the set) keeps every sequence.
    @Test func theForgetPoolIsAFixedMixOfBothChains() throws {
        let all = try Self.markovData(pool: 0, seed: 0)
        #expect(all.unlearning.forget.count == 8000 && all.forgetGroups?.count == 8000)
        let pool = try Self.markovData(pool: 200, seed: 0)
        let groups = try #require(pool.forgetGroups)
        #expect(pool.unlearning.forget.count == 200 && groups.count == 200)
        let forget1 = groups.filter { $0 == "forget1" }.count, forget2 = groups.filter { $0 == "forget2" }.count
        print("forget pool of 200 (run seed 0): \(forget1) forget1, \(forget2) forget2; \(pool.summary)")
        // Binomial(200, ½): 100 ± 7; 4 standard deviations either way.
        #expect(forget1 + forget2 == 200 && (72...128).contains(forget1))
        // The pool is the first 200 of a Fisher–Yates shuffle of the 8000 from fork 1 of the run's
        // data stream, in the data set's order; the lengths are those of the chains (A: forget1
        // 20, forget2 5).
        var poolRNG = RNG(seed: 0).fork(2).fork(1)
        let chosen = IndexOrder.shuffled(count: 8000, rng: &poolRNG).prefix(200).sorted()
        #expect(pool.unlearning.forget.map(\.ids) == chosen.map { all.unlearning.forget[$0].ids })
        #expect(groups == chosen.map { all.forgetGroups![$0] })
        for (sample, group) in zip(pool.unlearning.forget, groups) {
            #expect(sample.ids.count == (group == "forget1" ? 20 : 5))
        }
        #expect(pool.summary.contains("a pool of 200 of the 8000 forget"))
        #expect(pool.unlearning.retain.count == all.unlearning.retain.count)
        let again = try Self.markovData(pool: 200, seed: 0), other = try Self.markovData(pool: 200, seed: 1)
        #expect(again.unlearning.forget.map(\.ids) == pool.unlearning.forget.map(\.ids))
        #expect(other.unlearning.forget.map(\.ids) != pool.unlearning.forget.map(\.ids))
        #expect(try Self.markovData(pool: 8000, seed: 0).unlearning.forget.map(\.ids) == all.unlearning.forget.map(\.ids))
    }

    @Test func theKeyIsValidated() throws {
        for (overrides, says) in [
            (["data.kind=markov", "data.forget_pool=-1"], "must be at least 0"),
            (["data.forget_pool=200"], "kind markov"),
        ] {
            do {
                _ = try ExperimentConfig.load(yaml: "", overrides: overrides)
                Issue.record("\(overrides) was accepted")
            } catch let error as ConfigError {
                #expect("\(error)".contains("data.forget_pool") && "\(error)".contains(says), "\(error)")
            }
        }
        let c = try ExperimentConfig.load(yaml: "data:\n  kind: markov\n  forget_pool: 200\n")
        let again = try ExperimentConfig.load(yaml: c.resolvedYAML)
        #expect(c.data.forgetPool == 200 && again == c)
    }

    /// A run from a checkpoint of the paper's model: the registry loads it from its config.json,
    /// the objective unlearns the pool, and the G-effects and the KL metric are recorded.
    @Test func anUnlearningRunStartsFromTheReferenceModel() throws {
        let root = temporaryDirectory("markov-reference-run")
        var rng = RNG(seed: 5)
        let model = try MarkovReferenceConfig.reference.initializedModel(rng: &rng)
        try model.saveCheckpoint(to: root + "/checkpoint")
        let experiment = try UnlearningExperiment(
            config: try ExperimentConfig.load(
                yaml: "",
                overrides: [
                    "model.checkpoint=\(root)/checkpoint", "data.kind=markov", "data.markov=A", "data.forget_pool=40",
                    "objective.forget.name=npo", "objective.forget.beta=1", "run.steps=2", "run.record_every=1",
                    "eval.every=1", "eval.markov_test_size=8", "optimizer.lr=5e-4", "optimizer.eps=1e-6",
                    "optimizer.weight_decay=0",
                ]))
        #expect(experiment.unlearner.model is MarkovReference && experiment.unlearner.model.parameterCount == 335_754)
        #expect(experiment.data.unlearning.forget.count == 40)
        _ = try experiment.run(into: root + "/run") { _, _ in }
        let file = try H5File.open(root + "/run/run.h5").root
        #expect(try file.read("eval/steps", as: Int64.self).values == [0, 1, 2])
        for group in ["retain", "forget1", "forget2"] {
            #expect(try file.read("eval/kl_\(group)", as: Double.self).values.allSatisfy { $0 > 0 })
        }
        #expect(try file.read("geffect/forget/instance", as: Double.self).shape == [3, 40])
        let loaded = try #require(try Checkpoint.loadModel(from: root + "/run/checkpoint") as? MarkovReference)
        #expect(loaded.config == .reference && loaded.parameters.array != model.parameters.array)
    }

    /// `gscope train --markov A --model markov-reference` (issue 19's spelling) builds the paper's
    /// model as `--arch markov-reference` does, bit for bit, and its checkpoint says what it is;
    /// `--arch` naming another architecture is refused (exit 2). Needs the release binary.
    @Test func theTrainCommandBuildsTheReferenceModel() throws {
        guard FileManager.default.isExecutableFile(atPath: CrashSafetyTests.gscope) else {
            Issue.record("\(CrashSafetyTests.gscope) is missing: build it first (`make test` does)")
            return
        }
        let model = temporaryDirectory("markov-reference-train"), arch = temporaryDirectory("markov-reference-arch")
        let common = ["--markov", "A", "--steps", "2", "--threads", "1"]
        let byModel = try runGscope(["train"] + common + ["--model", "markov-reference", "--out", model])
        #expect(byModel.status == 0 && !byModel.signalled, "\(byModel.stderr)")
        #expect(byModel.stdout.contains("training markov-reference (335754 parameters, vocabulary 10, block 19)"))
        #expect(!byModel.stderr.contains("deprecated"), "the issue's spelling is not a deprecated one: \(byModel.stderr)")
        let loaded = try #require(try Checkpoint.loadModel(from: model + "/checkpoint") as? MarkovReference)
        #expect(loaded.config == .reference)
        let config = try String(contentsOfFile: model + "/checkpoint/config.json", encoding: .utf8)
        #expect(config.contains("\"model_type\": \"markov-reference\""))
        #expect(try String(contentsOfFile: model + "/train.json", encoding: .utf8).contains("\"model\": \"markov-reference\""))
        let byArch = try runGscope(["train"] + common + ["--arch", "markov-reference", "--out", arch])
        #expect(byArch.status == 0, "\(byArch.stderr)")
        let weights = try Data(contentsOf: URL(fileURLWithPath: model + "/checkpoint/model.safetensors"))
        #expect(weights == (try Data(contentsOf: URL(fileURLWithPath: arch + "/checkpoint/model.safetensors"))))

        let refused = try runGscope(["train"] + common + ["--model", "markov-reference", "--arch", "gpt", "--out", arch])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("gscope: --model: markov-reference is an architecture, but --arch is gpt"))
    }
}
