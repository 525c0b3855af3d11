import Foundation
import Store
import Testing
import TestSupport

/// `gscope relearn`: the relearning attack on a run's unlearned checkpoint, read from the run file
/// beside it. Needs the release binary (`make test` builds it).
@Suite("The relearning attack")
struct RelearnCommandTests {
    @Test func anUnlearnedModelIsFineTunedOnAFewForgetItems() throws {
        guard FileManager.default.isExecutableFile(atPath: CrashSafetyTests.gscope) else {
            Issue.record("\(CrashSafetyTests.gscope) is missing: build it first (`make test` does)")
            return
        }
        let (unlearned, _) = try UnlearningRunTests.run(["objective.forget.name=npo", "run.record_every=0"], steps: 2)
        let out = temporaryDirectory("relearn-out")
        let run = try runGscope([
            "relearn", "--model", unlearned + "/checkpoint", "--size", "6", "--steps", "3", "--threads", "1", "--out", out,
            "--quiet",
        ])
        #expect(run.status == 0, "\(run.stdout + run.stderr)")
        let root = try H5File.open(out + "/run.h5").root
        #expect(try root.stringAttribute("relearned_objective") == "npo")
        #expect(try root.stringAttribute("relearned_from") == unlearned + "/checkpoint")
        #expect(try root.stringAttribute("relearn_risk_set") == "forget10")
        #expect(try root.group("objective").doubleAttribute("forget_weight") == -1)
        // Fine-tuned on 6 forget items; the whole split (40 items) followed as a risk set.
        let index = try root.read("data/forget/index", as: Int64.self).values
        #expect(index.count == 6 && Set(index).count == 6 && index.allSatisfy { (0..<40).contains($0) })
        #expect(try root.group("data/forget").intAttribute("split_size") == 40)
        #expect(try root.read("data/forget/author", as: Int64.self).values == index.map { $0 / 20 })
        #expect(try root.read("data/forget10/index", as: Int64.self).values.count == 40)   // never capped
        let whole = try root.read("risk/forget10/value", as: Double.self).values
        let relearned = try root.read("risk/forget/value", as: Double.self).values
        #expect(whole.count == 4 && relearned.last! < relearned.first!, "the relearned items' NLL \(relearned)")
        // Descent on the forget NLL: the G-effect on the relearned items is positive.
        #expect(try root.read("geffect/forget/total", as: Double.self).values.allSatisfy { $0 > 0 })

        let refused = try runGscope(["relearn", "--model", temporaryDirectory("relearn-lonely") + "/checkpoint"])
        #expect(refused.status != 0 && refused.stderr.contains("no run file beside it"), "\(refused.stderr)")
    }
}
