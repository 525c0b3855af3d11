import Experiments
import Foundation
import Store
import Testing
import TestSupport

/// `run.interference_every`: the forget × set interference in the run file, consistent with the
/// G-effects recorded beside it, refused where it cannot be measured, and reported by
/// `gscope inspect --interference`.
@Suite("Interference in a run")
struct InterferenceRunTests {
    /// NPO + KL for 3 updates, recorded every step, interference at steps 0, 2 and 3 (the last).
    static let run: String = {
        let (out, _) = try! UnlearningRunTests.run([
            "objective.forget.name=npo", "objective.retain.name=kl", "run.geffect_forget_size=12",
            "run.interference_every=2", "run.interference_sets=[retain,forget]",
        ])
        return out + "/run.h5"
    }()

    /// Each forget instance's row of I sums to its G-effect on the set (`/geffect/<set>/instance`),
    /// each pair's tokens to the pair; the rows follow `/interference/steps`.
    @Test func rowsSumToTheInstanceGEffects() throws {
        let root = try H5File.open(Self.run).root
        let steps = try root.read("interference/steps", as: Int64.self).values
        #expect(steps == [0, 2, 3])
        let recorded = try root.read("steps", as: Int64.self).values
        for set in ["retain", "forget"] {
            let (I, shape) = try root.read("interference/\(set)/instance", as: Double.self)
            let (tokens, tokenShape) = try root.read("interference/\(set)/token", as: Double.self)
            let Nr = try root.read("data/\(set)/index", as: Int64.self).values.count
            #expect(shape == [3, 12, Nr] && tokenShape.prefix(3) == [3, 12, Nr])
            let T = tokenShape[3]
            let instance = try root.read("geffect/\(set)/instance", as: Double.self).values
            for (row, step) in steps.enumerated() {
                let k = recorded.firstIndex(of: step)!
                let scale = I[(row * 12 * Nr)..<((row + 1) * 12 * Nr)].map(abs).max()!
                for i in 0..<12 {
                    let pairs = I[((row * 12 + i) * Nr)..<((row * 12 + i + 1) * Nr)]
                    #expect(
                        abs(pairs.reduce(0, +) - instance[k * 12 + i]) <= 1e-5 * scale * Double(Nr),
                        "\(set) step \(step) instance \(i): \(pairs.reduce(0, +)) vs \(instance[k * 12 + i])")
                    for j in 0..<Nr {
                        let p = (row * 12 + i) * Nr + j
                        #expect(abs(tokens[(p * T)..<((p + 1) * T)].reduce(0, +) - I[p]) <= 1e-12 * scale)
                    }
                }
            }
        }
        // The synthetic splits hold 20 questions per author: forget10 of 20 authors is 2 of them.
        let authors = try root.read("data/forget/author", as: Int64.self).values
        let index = try root.read("data/forget/index", as: Int64.self).values
        #expect(authors == index.map { $0 / 20 } && Set(authors).count == 2)
    }

    @Test func theReportListsTheMostDamagingPairs() throws {
        let text = try InterferenceReport.text(of: Self.run, top: 3)
        print(text)
        #expect(text.contains("interference at step 3 (measured at steps 0, 2, 3)"))
        #expect(text.contains("retain: 12 forget instances x 8 items") && text.contains("forget: 12 forget instances x 12 items"))
        #expect(text.contains("pairs of one author"))
        #expect(text.components(separatedBy: "\n      forget instance: ").count == 1 + 2 * 3)
        #expect(text.components(separatedBy: "\n      retain item: ").count == 1 + 3)
        let at0 = try InterferenceReport.text(of: Self.run, step: 0, top: 1)
        #expect(at0.contains("interference at step 0"))
        #expect(try InterferenceReport.text(of: Self.run, step: 1).contains("step 1 has no interference"))
    }

    @Test func whereItCannotBeMeasuredTheConfigurationSaysSo() throws {
        typealias S = ConfigTestSupport
        let notMultiple = try #require(S.loadError("", ["run.record_every=2", "run.interference_every=3"]))
        #expect(notMultiple.keyPath == "run.interference_every" && "\(notMultiple)".contains("multiple of run.record_every"))
        let paper = try #require(S.loadError("", ["run.interference_every=1", "run.geffect_mode=paper"]))
        #expect("\(paper)".contains("geffect_mode exact"))
        let steps = try #require(S.loadError("", ["run.interference_every=1", "run.interference_sets=[steps]"]))
        #expect(steps.keyPath == "run.interference_sets")
        #expect(throws: (any Error).self) {
            try UnlearningRunTests.run(["run.interference_every=1", "run.interference_sets=[holdout]"], steps: 1)
        }
    }
}
