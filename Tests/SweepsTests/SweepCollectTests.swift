import Experiments
import Foundation
import Store
import Testing
import TestSupport

import Sweeps

/// `gscope sweep collect`: the sweep file holds exactly the run files' numbers, keeps missing,
/// unfinished and damaged runs as rows with their status, is the same bytes for the same runs, and
/// its CSV parses back. The runs are real: the release binary unlearns the synthetic benchmark for
/// 2–3 steps on one thread (`make test` builds it first).
@Suite("Sweep collect", .serialized)
struct SweepCollectTests {
    /// A sweep planned by `gscope sweep plan` with six runs, three of them run by `gscope sweep
    /// task`: npo+gd evaluated at steps 0, 2, 3 (seeds 0 and 1) and ga without a retain term or
    /// evaluations for 2 steps (seed 0). Of the others, one is missing (ga, seed 1), one file says
    /// `running` (a copy of run 0 so marked) and one is damaged (not an HDF5 file).
    struct PlannedSweep: Sendable {
        let directory: String
        let runs: [PlannedRun]
        let axisKeys: [String]
        let sweepText: String
    }

    static let sweep: PlannedSweep? = makeSweep()

    static func makeSweep() -> PlannedSweep? {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else { return nil }
        let setup = syntheticRunSetup("sweep-collect")
        let files = temporaryDirectory("sweep-collect-files")
        let base = """
            threads: 1
            model:
              checkpoint: \(setup.checkpoint)
            data:
              dir: \(setup.data)
              tokenizer: byte
              forget_split: forget10
              max_length: 320
            optimizer:
              lr: 1.0e-3
            run:
              geffect_retain_size: 8
            eval:
              generate: false
              retain_model: \(setup.checkpoint)
            """
        let sweepText = """
            name: collect
            base: \(files)/base.yaml
            axes:
              objective.forget.name: [npo, ga, simnpo]
              objective.retain.name: [gd, none, none]
              run.steps: [3, 2, 2]
              eval.every: [2, 0, 0]
            seeds: 2
            zip:
              - [objective.forget.name, objective.retain.name, run.steps, eval.every]
            """
        try! base.write(toFile: files + "/base.yaml", atomically: true, encoding: .utf8)
        try! sweepText.write(toFile: files + "/collect.yaml", atomically: true, encoding: .utf8)
        let directory = temporaryDirectory("sweep-collect") + "/sweep"
        let planned = try! runGscope(["sweep", "plan", files + "/collect.yaml", "--out", directory])
        #expect(planned.status == 0, "\(planned.stderr)")
        let plan = try! SweepDirectory(path: directory)
        for index in 0..<3 {
            let task = try! runGscope(["sweep", "task", directory, "\(index)", "--threads", "1"])
            #expect(task.status == 0, "\(task.stderr)")
        }
        let running = plan.runFile(plan.entries[4]), damaged = plan.runFile(plan.entries[5])
        for file in [running, damaged] {
            try! FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path, withIntermediateDirectories: true)
        }
        try! FileManager.default.copyItem(atPath: plan.runFile(plan.entries[0]), toPath: running)
        let file = try! H5File.open(running, writable: true)
        try! file.root.setAttribute("status", "running")
        try! file.close()
        try! Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: damaged))
        let runs = SweepCollection(directory: plan).runs.map(\.plan)
        return PlannedSweep(directory: plan.path, runs: runs, axisKeys: plan.axisKeys, sweepText: plan.sweep.text)
    }

    /// The sweep, or nil (with an issue recorded) when the binary is missing.
    static func requireSweep() -> PlannedSweep? {
        if let sweep { return sweep }
        Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
        return nil
    }

    static func collect(_ sweep: PlannedSweep) -> SweepCollection {
        SweepCollection(sweepText: sweep.sweepText, axisKeys: sweep.axisKeys, runs: sweep.runs)
    }

    /// Collects `sweep` into `path` and opens the result.
    static func written(_ sweep: PlannedSweep, _ name: String) throws -> H5File {
        let path = temporaryDirectory("sweep-collect-out") + "/" + name
        try SweepFileWriter.write(collect(sweep), to: path)
        return try H5File.open(path)
    }

    /// `row` of the [R, columns…] dataset `values` of width `width`.
    static func row<T>(_ values: [T], _ row: Int, width: Int) -> [T] { Array(values[(row * width)..<((row + 1) * width)]) }

    /// Whether two Double arrays are equal bit for bit (NaN equals NaN).
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// Numpy's default quantile (linear interpolation between order statistics) of the finite values.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first, let last = sorted.last else { return .nan }
        if q == 0 { return first }
        if q == 1 { return last }
        let h = Double(sorted.count - 1) * q
        let below = Int(h), fraction = h - Double(below)
        return sorted[below] * (1 - fraction) + sorted[min(below + 1, sorted.count - 1)] * fraction
    }

    /// Every number of the three complete runs is in sweep.h5, bit for bit, read from the run files
    /// directly: steps, risks, G-effect totals, groups and terms, instance-weight quantiles,
    /// evaluations and final values; shorter runs are padded with NaN and −1.
    @Test func theValuesAreTheRunFiles() throws {
        guard let sweep = Self.requireSweep() else { return }
        let file = try Self.written(sweep, "values.h5")
        let out = file.root
        let ids = try out.readStrings("runs/id")
        #expect(ids == sweep.runs.map(\.id))
        #expect(try out.stringAttribute("file_kind") == "gscope-sweep")
        #expect(try out.stringArrayAttribute("axes") == sweep.axisKeys)
        #expect(try out.stringAttribute("sweep") == sweep.sweepText)
        #expect(try out.readStrings("runs/config") == sweep.runs.map(\.configText))
        #expect(try out.readStrings("axes/objective.forget.name") == ["npo", "npo", "ga", "ga", "simnpo", "simnpo"])
        #expect(try out.dataset("axes/objective.forget.name").stringArrayAttribute("levels") == ["npo", "ga", "simnpo"])
        #expect(try out.read("axes/seed", as: Double.self).values == [0, 1, 0, 1, 0, 1])
        #expect(try out.dataset("axes/seed").stringArrayAttribute("levels") == ["0", "1"])

        let steps = try out.read("steps", as: Int64.self)
        let s = steps.shape[1]
        #expect(steps.shape == [6, 4])   // the npo runs record steps 0…3
        let evalSteps = try out.read("eval/steps", as: Int64.self)
        let e = evalSteps.shape[1]
        let finalNames = try out.group("final").stringArrayAttribute("names")
        var compared = 0
        for index in 0..<3 {
            let run = try H5File.open(sweep.runs[index].runFile)
            defer { try? run.close() }
            let r = run.root
            let runSteps = try r.read("steps", as: Int64.self).values
            #expect(Self.row(steps.values, index, width: s) == runSteps + [Int64](repeating: -1, count: s - runSteps.count))
            let pad = [Double](repeating: .nan, count: s - runSteps.count)
            #expect(try out.readStrings("runs/objective")[index] == r.stringAttribute("objective"))
            for set in ["forget", "retain"] {
                let risk = try r.read("risk/\(set)/value", as: Double.self).values
                #expect(Self.same(Self.row(try out.read("risk/\(set)", as: Double.self).values, index, width: s), risk + pad))
                let total = try r.read("geffect/\(set)/total", as: Double.self).values
                #expect(
                    Self.same(
                        Self.row(try out.read("geffect/\(set)/total", as: Double.self).values, index, width: s), total + pad))
                for term in ["forget", "retain"] {
                    let collected = Self.row(try out.read("geffect/\(set)/term/\(term)", as: Double.self).values, index, width: s)
                    let expected =
                        r.contains("geffect/\(set)/term/\(term)")
                        ? try r.read("geffect/\(set)/term/\(term)", as: Double.self).values + pad
                        : [Double](repeating: .nan, count: s)
                    #expect(Self.same(collected, expected), "\(set) \(term) run \(index)")
                }
                let groups = try r.read("geffect/\(set)/group", as: Double.self)
                let names = try r.dataset("geffect/\(set)/group").stringArrayAttribute("names")
                let collected = try out.read("geffect/\(set)/group", as: Double.self)
                let g = collected.shape[2]
                #expect(try out.dataset("geffect/\(set)/group").stringArrayAttribute("names") == names)
                #expect(
                    Self.same(
                        Self.row(collected.values, index, width: s * g),
                        groups.values
                            + pad.flatMap { _ in
                                [Double](repeating: .nan, count: g)
                            }))
                compared += 1
                #expect(
                    try out.group("final").read("risk_\(set)", as: Double.self).values[index].bitPattern == risk.last!.bitPattern)
                #expect(
                    try out.group("final").read("e_\(set)", as: Double.self).values[index].bitPattern == total.last!.bitPattern)
            }
            // Quantiles of /weights/instance, computed here from the run file.
            let weights = try r.read("weights/instance", as: Double.self)
            let n = weights.shape[1]
            let quantiles = try out.read("weights/instance_quantiles", as: Double.self)
            #expect(quantiles.shape == [6, s, 5])
            #expect(try out.dataset("weights/instance_quantiles").doubleArrayAttribute("q") == [0, 0.25, 0.5, 0.75, 1])
            for step in 0..<runSteps.count {
                let values = Self.row(weights.values, step, width: n)
                for (k, q) in [0, 0.25, 0.5, 0.75, 1].enumerated() {
                    let got = quantiles.values[(index * s + step) * 5 + k], want = Self.quantile(values, q)
                    #expect(got == want || abs(got - want) <= 1e-12 * abs(want), "run \(index) step \(step) q \(q)")
                }
            }
            #expect(quantiles.values[(index * s + runSteps.count) * 5..<(index + 1) * s * 5].allSatisfy { $0.isNaN })
            // Evaluations and final values.
            if r.contains("eval/steps") {
                let runEval = try r.read("eval/steps", as: Int64.self).values
                #expect(Self.row(evalSteps.values, index, width: e) == runEval + [Int64](repeating: -1, count: e - runEval.count))
                for metric in ["forget_quality", "forget_Q_A_Prob", "model_utility"] where r.contains("eval/\(metric)") {
                    let values = try r.read("eval/\(metric)", as: Double.self).values
                    #expect(Self.same(Self.row(try out.read("eval/\(metric)", as: Double.self).values, index, width: e), values))
                    #expect(
                        try out.group("final").read(metric, as: Double.self).values[index].bitPattern
                            == values.last!.bitPattern)
                    compared += 1
                }
            } else {
                #expect(Self.row(evalSteps.values, index, width: e).allSatisfy { $0 == -1 })
            }
            for name in ["forget_nll_before", "forget_nll_after", "retain_nll_before", "retain_nll_after"] {
                #expect(try out.group("final").read(name, as: Double.self).values[index] == r.doubleAttribute(name))
            }
        }
        #expect(compared >= 8)
        #expect(
            Array(finalNames.prefix(8)) == [
                "forget_nll_before", "forget_nll_after", "retain_nll_before", "retain_nll_after",
                "e_forget", "e_retain", "risk_forget", "risk_retain",
            ])
        #expect(finalNames.contains("forget_quality"))
    }

    /// A missing run, one whose file says `running` and a damaged one stay rows: their status says
    /// why, their numbers are padding, and a damaged file gives `unreadable: …` naming it relative
    /// to the sweep directory.
    @Test func missingUnfinishedAndDamagedRunsAreListed() throws {
        guard let sweep = Self.requireSweep() else { return }
        let collection = Self.collect(sweep)
        let statuses = collection.runs.map(\.status)
        #expect(Array(statuses.prefix(5)) == ["complete", "complete", "complete", "missing", "running"])
        #expect(statuses[5].hasPrefix("unreadable: runs/\(sweep.runs[5].id)/run.h5"), "\(statuses[5])")
        print("damaged run's status: \(statuses[5])")
        #expect(!statuses[5].contains(sweep.directory))
        #expect(collection.runs.map(\.objective) == ["npo+gd", "npo+gd", "ga", "", "npo+gd", ""])
        #expect(collection.notComplete.map(\.plan.index) == [3, 4, 5])
        #expect(collection.statusSummary == "6 runs: 3 complete, 1 running, 1 missing, 1 unreadable")

        let file = try Self.written(sweep, "listed.h5")
        let out = file.root
        #expect(try out.readStrings("runs/status") == statuses)
        let steps = try out.read("steps", as: Int64.self)
        for index in 3..<6 {
            #expect(Self.row(steps.values, index, width: steps.shape[1]).allSatisfy { $0 == -1 })
            for name in try out.group("final").memberNames() {
                #expect(try out.group("final").read(name, as: Double.self).values[index].isNaN, "\(name) \(index)")
            }
            let risk = try out.read("risk/forget", as: Double.self)
            #expect(Self.row(risk.values, index, width: risk.shape[1]).allSatisfy { $0.isNaN })
        }
        // The ga run (2 updates: steps 0, 1, 2; its file's retain term is 0) is padded after its
        // steps, the npo runs (3 updates) are not.
        let terms = try out.read("geffect/forget/term/retain", as: Double.self).values
        let ga = Self.row(terms, 2, width: steps.shape[1])
        #expect(ga.count == 4 && ga.prefix(3) == [0, 0, 0] && ga[3].isNaN, "\(ga)")
        #expect(Self.row(terms, 0, width: steps.shape[1]).allSatisfy { $0.isFinite && $0 != 0 })
    }

    /// A finished run file whose recorded config is not the planned one (the plan changed after
    /// it ran) is not collected: its status says so, as ``RunState`` does for `sweep run`.
    @Test func aRunOfAnOlderPlanIsNotCollected() throws {
        guard let sweep = Self.requireSweep() else { return }
        let ran = sweep.runs[0]
        let changed = try ExperimentConfig.load(yaml: ran.configText, overrides: ["optimizer.lr=0.5"])
        let stale = PlannedRun(
            index: 0, id: ran.id, axes: ran.axes, configText: changed.resolvedYAML, runFile: ran.runFile,
            runFileName: ran.runFileName, plannedConfig: changed)
        let same = PlannedRun(
            index: 1, id: ran.id, axes: ran.axes, configText: ran.configText, runFile: ran.runFile,
            runFileName: ran.runFileName, plannedConfig: try ExperimentConfig.load(yaml: ran.configText))
        let collection = SweepCollection(sweepText: "", axisKeys: sweep.axisKeys, runs: [stale, same])
        #expect(collection.runs[0].status.hasPrefix("its config differs from the plan's"), "\(collection.runs[0].status)")
        #expect(collection.runs[0].numbers == nil && collection.runs[0].objective == "npo+gd")
        #expect(collection.runs[1].status == "complete" && collection.runs[1].numbers != nil)
        #expect(collection.statusSummary == "2 runs: 1 complete, 1 stale")
    }

    /// A diverged run is a finished result: collected, yet listed as not complete. An
    /// interrupted one is padding. (Copies of run 0 with their status so set.)
    @Test func aDivergedRunIsCollectedAndAnInterruptedOneIsNot() throws {
        guard let sweep = Self.requireSweep() else { return }
        let directory = temporaryDirectory("sweep-collect-statuses")
        let runs = try ["diverged at step 3", "interrupted at step 2"].enumerated().map { index, status in
            let path = directory + "/\(index).h5"
            try FileManager.default.copyItem(atPath: sweep.runs[0].runFile, toPath: path)
            let file = try H5File.open(path, writable: true)
            try file.root.setAttribute("status", status)
            try file.close()
            return PlannedRun(
                index: index, id: "run\(index)", axes: [], configText: "", runFile: path, runFileName: "\(index).h5")
        }
        let collection = SweepCollection(sweepText: "", axisKeys: [], runs: runs)
        #expect(collection.runs.map(\.status) == ["diverged at step 3", "interrupted at step 2"])
        #expect(collection.runs[0].numbers != nil && collection.runs[1].numbers == nil)
        #expect(collection.notComplete.count == 2)
        #expect(collection.statusSummary == "2 runs: 1 diverged, 1 interrupted")
        let risk = try #require(collection.finalColumns.first { $0.name == "risk_forget" }).values
        let expected = try H5File.open(sweep.runs[0].runFile).root.read("risk/forget/value", as: Double.self).values.last!
        #expect(risk[0].bitPattern == expected.bitPattern && risk[1].isNaN)
    }

    /// Two collects of the same runs give the same bytes.
    @Test func twoCollectsGiveTheSameBytes() throws {
        guard let sweep = Self.requireSweep() else { return }
        let first = try Self.written(sweep, "first.h5"), second = try Self.written(sweep, "second.h5")
        try first.close()
        try second.close()
        let a = try Data(contentsOf: URL(fileURLWithPath: first.path))
        let b = try Data(contentsOf: URL(fileURLWithPath: second.path))
        #expect(a.count > 10_000)
        #expect(a == b)
    }

    /// sweep.csv parses back: its header, one row per run, quoted fields and a number that
    /// round-trips to the bits of sweep.h5's value.
    @Test func theCSVParsesBack() throws {
        guard let sweep = Self.requireSweep() else { return }
        let collection = Self.collect(sweep)
        let rows = Self.parseCSV(SweepCSV.text(of: collection))
        let finals = collection.finalColumns
        #expect(rows.first == ["index", "id", "status"] + sweep.axisKeys + finals.map(\.name))
        #expect(sweep.axisKeys == ["objective.forget.name", "objective.retain.name", "run.steps", "eval.every", "seed"])
        #expect(rows.count == 1 + sweep.runs.count)
        #expect(rows.dropFirst().allSatisfy { $0.count == rows[0].count })
        #expect(rows[1][0] == "0" && rows[1][1] == sweep.runs[0].id && rows[1][2] == "complete" && rows[1][3] == "npo")
        #expect(rows[1][5] == "3" && rows[1][7] == "0")
        #expect(rows[6][2] == collection.runs[5].status)   // a status with a colon and maybe commas, quoted if needed
        let column = try #require(rows[0].firstIndex(of: "risk_forget"))
        let value = try #require(Double(rows[1][column]))
        #expect(value.bitPattern == finals.first { $0.name == "risk_forget" }!.values[0].bitPattern)
        #expect(rows[4][column] == "")   // the missing run: NaN is empty
        #expect(SweepCSV.field("a,\"b\"") == "\"a,\"\"b\"\"\"")
        #expect(Self.parseCSV("x\n" + SweepCSV.field("a,\"b\"\nc") + "\n") == [["x"], ["a,\"b\"\nc"]])
    }

    /// A sweep none of whose runs has run yet still collects: every run `missing`, S = E = 0,
    /// the axes and ids there.
    @Test func aSweepWithNoRunYetCollects() throws {
        let directory = temporaryDirectory("sweep-collect-none")
        let runs = (0..<3).map { index in
            PlannedRun(
                index: index, id: "000\(index)-beta=\(index)", axes: [("objective.forget.beta", "\(index).5")], configText: "",
                runFile: directory + "/runs/000\(index)/run.h5", runFileName: "runs/000\(index)/run.h5")
        }
        let collection = SweepCollection(sweepText: "", axisKeys: ["objective.forget.beta"], runs: runs)
        #expect(collection.statusSummary == "3 runs: 3 missing")
        try SweepFileWriter.write(collection, to: directory + "/sweep.h5")
        let file = try H5File.open(directory + "/sweep.h5")
        #expect(try file.root.readStrings("runs/status") == ["missing", "missing", "missing"])
        #expect(try file.root.read("steps", as: Int64.self).shape == [3, 0])
        #expect(try file.root.read("axes/objective.forget.beta", as: Double.self).values == [0.5, 1.5, 2.5])
        #expect(try file.root.group("final").read("forget_nll_after", as: Double.self).values.allSatisfy { $0.isNaN })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".partial") }.isEmpty)
    }

    /// A minimal RFC 4180 reader (quoted fields, doubled quotes, LF line ends), as pandas reads.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(c)
            }
        }
        return rows
    }
}
