import Figures
import Foundation
import Store
import Testing
import TestSupport

/// A sweep file written with Store as `gscope sweep collect` lays it out reads back into
/// ``SweepData``; a damaged one is refused in one line naming the dataset.
@Suite("Sweep files", .serialized)
struct SweepFileTests {
    /// The tiny Markov sweep (``SweepFileImage/markov(axisValues:)``), edited by `edit`, written
    /// to a new file; returns its path.
    static func written(_ name: String, _ edit: (inout SweepFileImage) throws -> Void = { _ in }) throws -> String {
        var image = SweepFileImage.markov()
        try edit(&image)
        let path = temporaryDirectory("sweep-\(name)") + "/sweep.h5"
        try image.write(to: path)
        return path
    }

    @Test func aWrittenSweepReadsBack() throws {
        let path = try Self.written("tiny")
        #expect(SweepData.isSweepFile(path))
        let sweep = try SweepData(path: path)
        #expect(sweep.axisKeys == ["objective.forget.name", "objective.forget.beta", "seed"])
        #expect(sweep.levels["objective.forget.beta"] == ["1", "2.5"])
        #expect(sweep.runs.map(\.id).first == "0000-name=npo" && sweep.runs.count == 8)
        #expect(sweep.runs.map { $0.axes["objective.forget.beta"]! } == ["1", "1", "2.5", "2.5", "1", "1", "2.5", "2.5"])
        #expect(sweep.runs.map { $0.axes["seed"]! } == ["0", "1", "0", "1", "0", "1", "0", "1"])
        #expect(sweep.runs[3].steps == [0, 1, 2] && sweep.runs[3].geffectTotal["retain"] == [-8, -16, -24])
        #expect(sweep.runs[5].status == "diverged at step 1" && sweep.runs[5].steps == [0, 1])
        #expect(sweep.runs[5].geffectTotal["forget"] == [-6, -12] && sweep.runs[5].evalSteps == [0])
        #expect(sweep.runs[7].steps == [] && sweep.runs[7].evalSteps == [] && sweep.runs[7].objective == "")
        #expect(sweep.runs[1].evalSteps == [0, 2])
        #expect(zip(sweep.runs[1].eval["kl_forget2"]!, [0.6, 0.8]).allSatisfy(agrees))
        #expect(sweep.runs[4].final["kl_forget1"] == 4 && sweep.runs[7].final["kl_forget1"]!.isNaN)
        #expect(sweep.geffectSets == ["forget", "retain"])
        #expect(sweep.evalMetrics == ["kl_forget1", "kl_forget2", "kl_retain"])
        #expect(sweep.finalNames == ["forget_nll_after", "kl_forget1"])
        let settings = sweep.settings
        #expect(
            settings.map(\.label) == [
                "forget=npo, beta=1", "forget=npo, beta=2.5", "forget=simnpo, beta=1", "forget=simnpo, beta=2.5",
            ])
        #expect(settings.map(\.runs) == [[0, 1], [2, 3], [4, 5], [6]])
        #expect(sweep.unfinishedRuns.map(\.status) == ["missing"])
        // A run file is no sweep file.
        #expect(!SweepData.isSweepFile(FigureFixtures.evaluations))
        #expect(!SweepData.isSweepFile(temporaryDirectory("no-such") + "/sweep.h5"))
    }

    /// Every edit, and the line the reader must give for it (after `PATH: `).
    static let damages: [(String, @Sendable (inout SweepFileImage) -> Void, String)] = [
        (
            "short-total", { $0.numbers["geffect/forget/total"] = (Array(repeating: 1, count: 21), [7, 3], false) },
            "/geffect/forget/total has shape [7, 3], expected [8, 3] (R = 8 runs of /runs/id, S = 3 columns of /steps)"
        ),
        (
            "narrow-eval", { $0.numbers["eval/kl_retain"] = (Array(repeating: 1, count: 24), [8, 3], false) },
            "/eval/kl_retain has shape [8, 3], expected [8, 2] (R = 8 runs of /runs/id, E = 2 columns of /eval/steps)"
        ),
        (
            "flat-quantiles", { $0.numbers["weights/instance_quantiles"] = (Array(repeating: 1, count: 24), [8, 3], false) },
            "/weights/instance_quantiles has shape [8, 3], expected [R, S, 5] with [8, 3] (R = 8 runs of /runs/id, S = 3 columns of /steps)"
        ),
        (
            "gap-in-steps", { $0.numbers["steps"]!.values[1] = -1 },
            "/steps holds 2.0 at [0, 2] after the padding -1"
        ),
        (
            "half-step",
            {
                $0.numbers["steps"]!.integer = false; $0.numbers["steps"]!.values[4] = 2.5
            },
            "/steps holds 2.5 at [1, 1]; a step is a whole number from 0 to 1099511627776, padded at the end with -1"
        ),
        (
            "nan-eval-step",
            {
                $0.numbers["eval/steps"]!.integer = false; $0.numbers["eval/steps"]!.values[3] = .nan
            },
            "/eval/steps holds nan at [1, 1]; a step is a whole number from 0 to 1099511627776, padded at the end with -1"
        ),
        (
            "beta-off-level", { $0.numbers["axes/objective.forget.beta"]!.values[2] = 3 },
            "/axes/objective.forget.beta holds 3.0 at row 2, which is not one of its levels [1, 2.5]"
        ),
        (
            "name-off-level", { $0.strings["axes/objective.forget.name"]![0] = "dpo" },
            "/axes/objective.forget.name holds \"dpo\" at row 0, which is not one of its levels [npo, simnpo]"
        ),
        ("no-levels", { $0.datasetAttributes["axes/seed"] = nil }, "/axes/seed has no attribute levels"),
        ("no-axis", { $0.numbers["axes/seed"] = nil }, "/axes/seed is missing (an axis of the root attribute axes)"),
        ("no-status", { $0.strings["runs/status"] = nil }, "/runs/status is missing"),
        (
            "short-status", { $0.strings["runs/status"]!.removeLast() },
            "/runs/status has shape [7], expected [8] (R = 8 runs of /runs/id)"
        ),
        (
            "string-final",
            {
                $0.numbers["final/kl_forget1"] = nil; $0.strings["final/kl_forget1"] = Array(repeating: "x", count: 8)
            },
            "/final/kl_forget1 holds string, not numbers"
        ),
        (
            "group-names", { $0.datasetAttributes["geffect/forget/group"] = ["names": ["a", "b", "c"]] },
            "/geffect/forget/group has 2 groups but 3 group names"
        ),
        (
            "run-kind", { $0.rootAttributes["file_kind"] = ["gscope-run"] },
            "/ attribute file_kind is \"gscope-run\", not gscope-sweep"
        ),
        (
            "no-kind", { $0.rootAttributes["file_kind"] = nil },
            "/ has no attribute file_kind: not a sweep file (gscope sweep collect writes sweep.h5)"
        ),
        ("no-axes", { $0.rootAttributes["axes"] = nil }, "/ has no attribute axes (the axis keys)"),
        ("twice", { $0.rootAttributes["axes"] = ["seed", "seed"] }, "/ attribute axes names seed twice"),
    ]

    @Test func aDamagedSweepIsRefusedNamingTheDataset() throws {
        for (name, edit, problem) in Self.damages {
            let path = try Self.written(name, edit)
            do {
                _ = try SweepData(path: path)
                Issue.record("\(name): read without complaint")
            } catch let error as RunFileError {
                #expect(error.description == "\(path): \(problem)", "\(name)")
            }
        }
    }

    /// A dataset that declares 2^40 rows in a file of a few kilobytes is refused from its metadata,
    /// before anything is allocated; 2^62 rows overflow the byte count.
    @Test(arguments: [UInt64(1) << 40, UInt64(1) << 62])
    func aHugeDeclaredExtentIsRefusedBeforeReading(rows: UInt64) throws {
        let path = try Self.written("huge-\(rows)") { $0.numbers["eval/kl_retain"] = nil }
        do {
            let file = try H5File.open(path, writable: true)
            let writer = try file.root.createExtendible("eval/kl_retain", rowShape: [2], of: Double.self)
            for _ in 0..<8 { try writer.append([0.5, 0.5]) }
            #expect(RunFileImage.declareHugeExtent(of: writer, rows: rows))
            try file.close()
        }
        let error = try #require(throws: RunFileError.self) { try SweepData(path: path) }
        #expect(error.object == "/eval/kl_retain" && error.problem.hasPrefix("declares [\(rows), 2]"), "\(error)")
    }
}
