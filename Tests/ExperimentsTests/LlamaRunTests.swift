import Experiments
import Foundation
import Model
import Store
import Testing
import TestSupport

/// An unlearning run from a Llama checkpoint goes through the same engine as a GPT's: the same
/// objectives, G-effects and run file, with the Llama's tensor names.
@Suite("Llama unlearning runs")
struct LlamaRunTests {
    @Test func aLlamaUnlearnsWithEveryMeasurement() throws {
        let data = syntheticRunSetup("llama-run").data
        let (checkpoint, model) = tinyLlamaCheckpoint("llama-run-checkpoint", seed: 4)

        let out = temporaryDirectory("llama-run-out")
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
        #expect(try root.group("model").stringAttribute("config").contains("\"model_type\": \"llama\""))
        let saved = try #require(try Checkpoint.loadModel(from: out + "/checkpoint") as? Llama)
        #expect(saved.parameters.array == experiment.unlearner.model.parameters.array)
        #expect(saved.parameters.array != model.parameters.array)
    }
}
