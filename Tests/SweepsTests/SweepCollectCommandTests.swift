import Foundation
import Store
import Sweeps
import Testing
import TestSupport

/// `gscope sweep collect DIR` through the release binary, on the 2 × 2 × 2 grid planned and run by
/// `gscope sweep plan` and `gscope sweep run --jobs 2` (``SweepTestGrid``).
@Suite("Sweep collect command", .serialized)
struct SweepCollectCommandTests {
    /// The grid collects: the summary line, every run a row in manifest order with its axes, the
    /// run files' last risks as final values, the same bytes on a second collect, and a CSV row
    /// per run. Prints the time of one collect.
    @Test func theGridCollects() throws {
        let dir = try SweepTestGrid.reference.get().directory
        let start = Date()
        let collected = try runGscope(["sweep", "collect", dir])
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "gscope sweep collect of the 2 × 2 × 2 grid (8 runs, 9 recorded steps each): %.2f s", seconds))
        #expect(collected.status == 0, "\(collected.stderr)")
        #expect(collected.stdout == "8 runs: 8 complete\nwrote \(dir)/sweep.h5 and \(dir)/sweep.csv\n", "\(collected.stdout)")
        let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/sweep.h5"))

        let plan = try SweepDirectory(path: dir)
        let file = try H5File.open(dir + "/sweep.h5")
        let root = file.root
        #expect(try root.readStrings("runs/id") == plan.entries.map(\.id))
        #expect(try root.readStrings("runs/status") == Array(repeating: "complete", count: 8))
        #expect(try root.stringArrayAttribute("axes") == ["objective.forget.name", "optimizer.lr", "seed"])
        #expect(try root.stringAttribute("sweep") == plan.sweep.text)
        #expect(try root.read("axes/optimizer.lr", as: Double.self).values == [1e-4, 1e-4, 1e-3, 1e-3, 1e-4, 1e-4, 1e-3, 1e-3])
        #expect(
            try root.readStrings("axes/objective.forget.name") == [
                "npo", "npo", "npo", "npo", "simnpo", "simnpo", "simnpo", "simnpo",
            ])
        #expect(try root.read("steps", as: Int64.self).shape == [8, 9])
        let risks = try root.group("final").read("risk_forget", as: Double.self).values
        for entry in plan.entries {
            let run = try H5File.open(plan.runFile(entry))
            let last = try run.root.read("risk/forget/value", as: Double.self).values.last!
            #expect(risks[entry.index].bitPattern == last.bitPattern, "\(entry.id)")
            try run.close()
        }
        try file.close()

        let again = try runGscope(["sweep", "collect", dir])
        #expect(again.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/sweep.h5")) == first)
        let csv = try String(contentsOfFile: dir + "/sweep.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines[0].hasPrefix("index,id,status,objective.forget.name,optimizer.lr,seed,forget_nll_before,"))
        #expect(lines[1].hasPrefix("0,\(plan.entries[0].id),complete,npo,1.0e-4,0,"), "\(lines[1])")
    }

    /// A plan none of whose runs ran collects with every run listed as missing (exit 0); a
    /// directory that is not a plan is one line and exit 2; --help shows the example.
    @Test func missingRunsAreListedAndBadDirectoriesRefused() throws {
        let dir = try SweepTestGrid.plannedSweep("collect-unrun").directory
        let collected = try runGscope(["sweep", "collect", dir + "/"])
        #expect(collected.status == 0, "\(collected.stderr)")
        let lines = collected.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "8 runs: 8 missing")
        #expect(lines.dropFirst().first == "8 of 8 runs are not complete:")
        #expect(lines.filter { $0.hasPrefix("  ") && $0.hasSuffix(": missing") }.count == 8)
        #expect(lines.last == "wrote \(dir)/sweep.h5 and \(dir)/sweep.csv")
        #expect(try H5File.open(dir + "/sweep.h5").root.read("steps", as: Int64.self).shape == [8, 0])

        let notAPlan = temporaryDirectory("sweep-collect-not-a-plan")
        let refused = try runGscope(["sweep", "collect", notAPlan])
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("gscope: \(notAPlan): not a sweep plan"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)

        let help = try runGscope(["sweep", "collect", "--help"])
        #expect(help.status == 0 && help.stdout.contains("gscope sweep collect runs/sweeps/markov"))
    }
}
