import Experiments
import Foundation
import Testing
import TestSupport

import Sweeps

/// `gscope sweep plan`'s expansion: the order of runs, zipped axes, generated values, templates,
/// stable bytes, and errors that name the sweep file's line.
@Suite("Sweep plans")
struct SweepPlanTests {
    /// A base config and a sweep file in a fresh directory; the sweep file's path.
    static func sweepFile(_ yaml: String, label: String = "sweep-plan") -> String {
        let dir = temporaryDirectory(label)
        try! "seed: 0\nrun:\n  steps: 2\n".write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        try! yaml.replacingOccurrences(of: "BASE", with: dir + "/base.yaml")
            .write(toFile: dir + "/sweep.yaml", atomically: true, encoding: .utf8)
        return dir + "/sweep.yaml"
    }

    static func plan(_ yaml: String, directory: String = "runs/s") throws -> SweepPlan {
        try SweepPlan(try SweepFile.load(path: sweepFile(yaml)), directory: directory)
    }

    @Test func theFirstAxisVariesSlowestAndSeedsFastest() throws {
        let plan = try Self.plan(
            """
            name: grid
            base: BASE
            axes:
              objective.forget.name: [npo, simnpo]
              optimizer.lr: [1.0e-5, 1.0e-4]
            seeds: 2
            """)
        #expect(plan.runs.count == 8)
        #expect(
            plan.runs.map(\.id).prefix(3) == [
                "0000-name=npo-lr=1.0e-5-seed=0", "0001-name=npo-lr=1.0e-5-seed=1", "0002-name=npo-lr=1.0e-4-seed=0",
            ])
        let last = plan.runs[7].config
        #expect(last.objective.forget.name == "simnpo" && last.optimizer.lr == 1e-4 && last.seed == 1)
        #expect(
            last.name == "grid-0007-name=simnpo-lr=1.0e-4-seed=1"
                && last.run.out == "runs/s/runs/0007-name=simnpo-lr=1.0e-4-seed=1")
    }

    @Test func zippedAxesAdvanceTogether() throws {
        let plan = try Self.plan(
            """
            base: BASE
            axes:
              objective.forget.name: [npo, simnpo, simnpo]
              objective.forget.beta: [1, 2.5, 5]
              optimizer.lr: [1.0e-4, 2.0e-4]
            zip:
              - [objective.forget.name, objective.forget.beta]
            """)
        #expect(plan.runs.count == 6)
        let pairs = plan.runs.map { "\($0.config.objective.forget.name) \($0.config.optimizer.lr)" }
        #expect(pairs == ["npo 0.0001", "npo 0.0002", "simnpo 0.0001", "simnpo 0.0002", "simnpo 0.0001", "simnpo 0.0002"])
        #expect(plan.runs[4].id == "0004-name=simnpo-beta=5-lr=1.0e-4")
    }

    @Test func generatedAxesGiveRoundValues() throws {
        let plan = try Self.plan(
            """
            base: BASE
            axes:
              optimizer.lr: {logspace: [1.0e-5, 1.0e-3], num: 5}
              run.steps: {range: [10, 40, 10]}
            seeds: {range: [3, 5]}
            """)
        let lrs = Array(Set(plan.runs.map(\.config.optimizer.lr))).sorted()
        #expect(lrs == [1e-5, 3.16227766017e-05, 1e-4, 3.16227766017e-4, 1e-3])
        #expect(Array(Set(plan.runs.compactMap(\.config.run.steps))).sorted() == [10, 20, 30])
        #expect(Array(Set(plan.runs.map(\.config.seed))).sorted() == [3, 4])
    }

    @Test func templatesTakeTheRunsValues() throws {
        let plan = try Self.plan(
            """
            base: BASE
            set:
              model.checkpoint: "models/seed-${seed}/${data.markov}/${optimizer.name}"
              data.markov_seed: ${seed}
            axes:
              data.markov: [A, B]
            seeds: [7]
            """)
        #expect(plan.runs.map(\.config.model.checkpoint) == ["models/seed-7/A/adamw", "models/seed-7/B/adamw"])
        #expect(plan.runs.map(\.config.data.markovSeed) == [7, 7])
        let error = #expect(throws: ConfigError.self) {
            try Self.plan("base: BASE\nset:\n  model.checkpoint: x-${nope}\nseeds: 1\n")
        }
        #expect(error?.description.contains(":3: model.checkpoint: ${nope}: not an axis") == true)
    }

    @Test func anAxisKeyTheConfigLacksIsNamedWithItsLine() {
        let error = #expect(throws: ConfigError.self) {
            try Self.plan("base: BASE\naxes:\n  optimizer.lrr: [1, 2]\n")
        }
        #expect(error?.line == 3)
        #expect(error?.keyPath == "optimizer.lrr")
        #expect(error?.description.contains("sweep.yaml:3: optimizer.lrr: unknown key 'lrr'") == true)
        let range = #expect(throws: ConfigError.self) { try Self.plan("base: BASE\naxes:\n  optimizer.lr: [1.0e-4, -1]\n") }
        #expect(range?.line == 3 && range?.description.contains("(run 0001-lr=-1)") == true)
        let zip = #expect(throws: ConfigError.self) {
            try Self.plan("base: BASE\naxes:\n  optimizer.lr: [1, 2]\n  seed2: [1]\nzip:\n  - [optimizer.lr, run.steps]\n")
        }
        #expect(zip?.description.contains("'run.steps' is not an axis") == true)
    }

    @Test func theSameSweepGivesTheSameBytes() throws {
        let sweep = Self.sweepFile("base: BASE\naxes:\n  optimizer.lr: [1.0e-4, 2.0e-4]\nseeds: 2\n")
        let root = temporaryDirectory("sweep-bytes")
        var images: [[String: Data]] = []
        for _ in 0..<2 {
            let dir = root + "/plan"
            try? FileManager.default.removeItem(atPath: dir)
            try SweepDirectory.write(try SweepPlan(try SweepFile.load(path: sweep), directory: dir), to: dir, replace: false)
            var files: [String: Data] = [:]
            for name in try FileManager.default.subpathsOfDirectory(atPath: dir) where name != SweepDirectory.workdirName {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[name] = FileManager.default.contents(atPath: dir + "/" + name)
                }
            }
            images.append(files)
        }
        #expect(images[0].count == 6 && images[0] == images[1])
        let read = try SweepDirectory(path: root + "/plan")
        #expect(read.entries.count == 4 && read.axisKeys == ["optimizer.lr", "seed"])
        #expect(read.entries[3].axes == [.init(key: "optimizer.lr", value: "2.0e-4"), .init(key: "seed", value: "1")])
        #expect(try read.plannedConfig(read.entries[3]).optimizer.lr == 2e-4)
        #expect(read.state(of: read.entries[0]) == .unfinished("missing"))
        // Another sweep into the same directory is refused unless replaced.
        let other = try SweepPlan(try SweepFile.load(path: Self.sweepFile("base: BASE\nseeds: 3\n")), directory: root + "/plan")
        #expect(throws: SweepError.self) { try SweepDirectory.write(other, to: root + "/plan", replace: false) }
        try SweepDirectory.write(other, to: root + "/plan", replace: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/plan/configs").count == 3)
    }

    @Test func aManifestLineThatIsNotAPlansIsRefusedWithItsLine() {
        let keys = ["seed"]
        for line in [
            "{", "{\"index\":0,\"id\":\"../x\",\"axes\":{\"seed\":\"0\"},\"config\":\"c\",\"out\":\"o\"}",
            "{\"index\":0,\"id\":\"a\",\"axes\":{\"seed\":\"0\"},\"config\":\"c\",\"out\":\"../../etc\"}",
            "{\"index\":0,\"id\":\"a\",\"axes\":{\"other\":\"0\"},\"config\":\"c\",\"out\":\"o\"}",
        ] {
            let error = #expect(throws: SweepError.self) {
                try ManifestEntry(jsonLine: line, axisKeys: keys, file: "m.jsonl", line: 4)
            }
            #expect(error?.description.hasPrefix("m.jsonl:4: ") == true)
        }
    }

    /// Every sweep file under `data/sweeps/` plans — its keys exist, its values are in range, its
    /// base configs are found (their repository-relative paths made absolute here) — into the
    /// number of runs its comment promises.
    @Test func theCommittedSweepFilesPlan() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let expected = [
            "geffect-paper-synthetic.yaml": 27, "geffect-paper-tofu-smollm2.yaml": 12, "simnpo-markov.yaml": 40,
            "simnpo-markov-protocol-gpt.yaml": 40, "simnpo-markov-protocol-reference.yaml": 40,
            "wagle-masks-synthetic.yaml": 30,
        ]
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/data/sweeps").filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(expected.keys))
        let directory = temporaryDirectory("committed-sweeps")
        for file in files.sorted() {
            let text = try String(contentsOfFile: root + "/data/sweeps/" + file, encoding: .utf8)
            try text.replacingOccurrences(of: "data/configs/", with: root + "/data/configs/")
                .write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
            let plan = try SweepPlan(try SweepFile.load(path: directory + "/" + file), directory: "runs/s")
            #expect(plan.runs.count == expected[file], "\(file)")
        }
    }
}
