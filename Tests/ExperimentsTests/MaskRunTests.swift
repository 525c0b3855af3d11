import Experiments
import Foundation
import Model
import Store
import Testing
import TestSupport

/// `optimizer.mask`: the run file holds the mask, and the run changes only the weights it keeps.
@Suite("Update masks in a run")
struct MaskRunTests {
    @Test(arguments: ["wagle", "geffect"])
    func theRunChangesOnlyTheKeptWeights(_ method: String) throws {
        let (out, experiment) = try UnlearningRunTests.run(
            [
                "objective.forget.name=ga", "objective.retain.name=gd", "optimizer.mask.method=\(method)",
                "optimizer.mask.ratio=0.3",
            ],
            steps: 2)
        let root = try H5File.open(out + "/run.h5").root
        let (keep, shape) = try root.read("mask/keep", as: UInt8.self)
        let start = try Checkpoint.loadModel(from: UnlearningRunTests.setup.checkpoint).parameters.array
        let end = experiment.unlearner.model.parameters.array
        #expect(shape == [1, start.count])
        let kept = keep.reduce(0) { $0 + Int($1) }
        let recorded = try root.group("mask").intAttribute("kept")
        #expect(kept == Int(Double(start.count) * 0.3) && recorded == kept)
        #expect(try root.group("mask").stringAttribute("method") == method)
        let moved = start.indices.filter { start[$0].bitPattern != end[$0].bitPattern }
        #expect(!moved.isEmpty && moved.allSatisfy { keep[$0] == 1 }, "\(method): a frozen weight moved")
    }

    @Test func aRatioOutsideZeroToOneIsRefused() throws {
        let e = try #require(ConfigTestSupport.loadError("", ["optimizer.mask.method=wagle", "optimizer.mask.ratio=1.5"]))
        #expect(e.keyPath == "optimizer.mask.ratio")
        let m = try #require(ConfigTestSupport.loadError("", ["optimizer.mask.method=wagl"]))
        #expect(m.keyPath == "optimizer.mask.method")
    }
}
