import Datasets
import Experiments
import Foundation
import Model
import NumericCore
import Store
import Testing
import TestSupport

/// A run file holds what its risks were computed on: from `/data/<set>` alone (tokens, targets,
/// mask) and the model at a recorded step, one plain forward and backward pass rebuilds R and
/// ‖∇R‖² of every risk set as `/risk/<set>` recorded them.
@Suite("A run file recomputes itself")
struct RunFileRecomputesItselfTests {
    /// R = Σ m·(−log p(y)) / Σ m and ‖∇R‖² over the rows of `/data/<set>`, in one batch.
    static func risk(of model: any CausalLanguageModel, _ set: H5Group) throws -> (value: Double, gradNorm2: Double) {
        let tokens = try set.read("tokens", as: Int32.self), targets = try set.read("targets", as: Int32.self).values
        let mask = try set.read("mask", as: Float.self).values
        let (B, T) = (tokens.shape[0], tokens.shape[1])
        model.zeroGradients()
        let value = try model.forward(tokens: tokens.values, targets: targets, mask: mask, batch: B, seq: T)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: d)
        model.backward(logitGradient: d)
        return (value, Reduce.dot(model.gradients.base, model.gradients.base, count: model.parameterCount))
    }

    @Test func theRisksAreRebuiltFromTheFile() throws {
        let (out, experiment) = try UnlearningRunTests.run(
            ["objective.forget.name=npo", "objective.retain.name=kl", "run.risk_sets=[world_facts]"], steps: 2)
        let root = try H5File.open(out + "/run.h5").root
        let config = try ExperimentConfig.load(yaml: try root.stringAttribute("config"))
        #expect(try root.read("steps", as: Int64.self).values == [0, 1, 2])
        // θ_0 is the checkpoint the configuration names, θ_2 the run's final checkpoint.
        let models = [
            0: try Checkpoint.loadModel(from: config.model.checkpoint), 2: try Checkpoint.loadModel(from: out + "/checkpoint"),
        ]
        for set in ["forget", "retain", "world_facts"] {
            let data = try root.group("data/\(set)")
            let recorded = try root.read("risk/\(set)/value", as: Double.self).values
            let recordedNorm = try root.read("risk/\(set)/grad_norm2", as: Double.self).values
            for (row, model) in models {
                let (value, norm) = try Self.risk(of: model, data)
                print("\(set) θ_\(row): R \(value) (recorded \(recorded[row])), ‖∇R‖² \(norm) (recorded \(recordedNorm[row]))")
                #expect(abs(value - recorded[row]) <= 1e-6 * recorded[row], "\(set) θ_\(row): R \(value) vs \(recorded[row])")
                #expect(
                    abs(norm - recordedNorm[row]) <= 1e-5 * recordedNorm[row],
                    "\(set) θ_\(row): ‖∇R‖² \(norm) vs \(recordedNorm[row])")
            }
        }
        // The retain risk set's rows are the retain split's samples at `index`, as the model reads them.
        let retain = try root.group("data/retain")
        let index = try retain.read("index", as: Int64.self).values.map(Int.init)
        let split = experiment.data.unlearning.retain
        #expect(try retain.intAttribute("split_size") == split.count && index == index.sorted() && index.count == 8)
        let T = try retain.read("tokens", as: Int32.self).shape[1]
        let batch = TokenBatch(samples: split, indices: index, padding: experiment.data.unlearning.padding, fixedLength: T)
        #expect(try retain.read("tokens", as: Int32.self).values == batch.tokens)
        #expect(try retain.read("targets", as: Int32.self).values == batch.targets)
        #expect(try retain.read("mask", as: Float.self).values == batch.mask)
        // Every forget instance's last answer target (the end token) is stored.
        let targets = try root.read("data/forget/targets", as: Int32.self),
            mask = try root.read("data/forget/mask", as: Float.self)
        for i in 0..<targets.shape[0] {
            let row = (i * T)..<((i + 1) * T)
            let last = try #require(row.last { mask.values[$0] > 0 })
            #expect(targets.values[last] >= 0, "instance \(i): no target at its last answer position")
        }
    }

    /// PO's refusal answers, which its forget term reads, are stored beside the forget instances.
    @Test func refusalsAreStored() throws {
        let (out, experiment) = try UnlearningRunTests.run(["objective.forget.name=po"], steps: 1)
        let refusal = try H5File.open(out + "/run.h5").root.group("data/refusal")
        let tokens = try refusal.read("tokens", as: Int32.self)
        #expect(tokens.shape[0] == experiment.data.unlearning.forget.count)
        #expect(try refusal.read("targets", as: Int32.self).shape == tokens.shape)
    }
}
