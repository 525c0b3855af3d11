import Experiments
import Foundation
import Model
import Store
import Testing
import TestSupport

/// An unlearning run from a Phi checkpoint goes through the same engine as a GPT's and a Llama's:
/// the same objectives, G-effects and run file, with the Phi's tensor names. Training has no
/// dropout, so the run computes the Phi as transformers does in evaluation mode.
@Suite("Phi unlearning runs")
struct PhiRunTests {
    @Test func aPhiUnlearnsWithEveryMeasurement() throws {
        let data = syntheticRunSetup("phi-run").data
        let (checkpoint, model) = tinyPhiCheckpoint("phi-run-checkpoint", seed: 4)

        let out = temporaryDirectory("phi-run-out")
        let experimentConfig = try ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(checkpoint)", "data.dir=\(data)", "data.tokenizer=byte", "data.forget_split=forget10",
                "data.max_length=320", "run.geffect_retain_size=8", "run.steps=2", "optimizer.lr=1.0e-3", "run.out=\(out)",
                "objective.forget.name=npo", "objective.retain.name=gd",
            ])
        let experiment = try UnlearningExperiment(config: experimentConfig)
        _ = try experiment.run(into: out) { _, _ in }

        let file = try H5File.open(out + "/run.h5")
        let root = file.root
        #expect(try root.readStrings("model/tensor_names") == model.layout.slots.map(\.name))
        #expect(try root.readStrings("model/tensor_names").contains("lm_head.bias"))
        // θ = θ_o at step 1: NPO's loss is (2/β)·log 2.
        #expect(abs(try root.read("train/loss/forget", as: Double.self).values[0] - 2 / 0.1 * log(2.0)) < 1e-9)
        for set in ["forget", "retain"] {
            let total = try root.read("geffect/\(set)/total", as: Double.self).values
            let tensor = try root.read("geffect/\(set)/tensor", as: Double.self)
            #expect(total.count == 3 && total.allSatisfy(\.isFinite) && total[0] != 0)
            for row in 0..<3 {
                let sum = tensor.values[(row * tensor.shape[1])..<((row + 1) * tensor.shape[1])].reduce(0, +)
                #expect(abs(sum - total[row]) <= 1e-9 * abs(total[row]))
            }
        }
        #expect(try root.group("model").stringAttribute("config").contains("\"model_type\": \"phi\""))
        let saved = try #require(try Checkpoint.loadModel(from: out + "/checkpoint") as? Phi)
        #expect(saved.parameters.array == experiment.unlearner.model.parameters.array)
        #expect(saved.parameters.array != model.parameters.array)
    }
}
