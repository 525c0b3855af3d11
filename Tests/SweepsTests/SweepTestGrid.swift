import Foundation
import Store
import Testing
import TestSupport

/// The 2 × 2 × 2 grid every launcher runs: NPO and SimNPO × learning rates 1e-4 and 1e-3 × seeds
/// 0 and 1, 8 steps of the tiny synthetic setup (a random 2-block GPT over bytes, 20 authors,
/// forget10) with G-effects at every step. Each launcher's run must reproduce the reference, the
/// grid through `gscope sweep run --jobs 2`: the run files bit for bit, the collected sweep.h5
/// byte for byte.
enum SweepTestGrid {
    static let setup = syntheticRunSetup("sweep-grid")

    /// A fresh working directory holding `base.yaml` and `sweep.yaml`, planned into its `sweep`
    /// (the same relative name in every working directory, so that the planned configs, which
    /// name DIR as written, have the same bytes); the absolute DIR.
    static func plannedSweep(_ label: String) throws -> (workdir: String, directory: String) {
        let workdir = temporaryDirectory("sweep-grid-\(label)")
        let base = """
            name: tiny
            seed: 0
            threads: 1
            model:
              checkpoint: \(setup.checkpoint)
            data:
              kind: qa
              dir: \(setup.data)
              tokenizer: byte
              forget_split: forget10
              max_length: 320
            objective:
              forget:
                name: npo
            run:
              steps: 8
              record_every: 1
              geffect_retain_size: 8

            """
        let sweep = """
            name: tiny
            base: base.yaml
            axes:
              objective.forget.name: [npo, simnpo]
              optimizer.lr: [1.0e-4, 1.0e-3]
            seeds: 2

            """
        try Data(base.utf8).write(to: URL(fileURLWithPath: workdir + "/base.yaml"))
        try Data(sweep.utf8).write(to: URL(fileURLWithPath: workdir + "/sweep.yaml"))
        _ = try gscope(["sweep", "plan", "sweep.yaml", "--out", "sweep"], in: workdir)
        return (workdir, workdir + "/sweep")
    }

    /// The reference: the grid through `gscope sweep run --jobs 2`, every run complete; its plan
    /// directory and its collected sweep.h5.
    static let reference: Result<(directory: String, sweepFile: Data), any Error> = Result {
        let (workdir, directory) = try plannedSweep("reference")
        _ = try gscope(["sweep", "run", directory, "--jobs", "2"], in: workdir)
        let states = try statuses(directory)
        guard states == Array(repeating: "complete", count: 8) else {
            throw SetupFailure(description: "sweep run --jobs 2 left runs not complete: \(states)")
        }
        return (directory, try collected(directory, in: workdir))
    }

    /// The run files of DIR's manifest, in manifest order (`out` + `/run.h5`).
    static func runFiles(_ directory: String) throws -> [String] {
        let manifest = try String(contentsOfFile: directory + "/manifest.jsonl", encoding: .utf8)
        return try manifest.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return directory + "/" + ((object?["out"] as? String) ?? "?") + "/run.h5"
        }
    }

    /// Each run's `status` attribute ("missing" when there is no file).
    static func statuses(_ directory: String) throws -> [String] {
        try runFiles(directory).map { path in
            guard FileManager.default.fileExists(atPath: path) else { return "missing" }
            return (try? H5File.open(path).root.stringAttribute("status")) ?? "unreadable"
        }
    }

    /// A step of the test setup that did not work (a command's exit status and standard error).
    struct SetupFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// `gscope arguments` in `workdir`; throws when it does not exit 0.
    @discardableResult
    static func gscope(_ arguments: [String], in workdir: String) throws -> GscopeRun {
        let run = try runGscope(arguments, in: workdir)
        guard run.status == 0 else {
            throw SetupFailure(description: "gscope \(arguments.joined(separator: " ")): exit \(run.status): \(run.stderr)")
        }
        return run
    }

    /// `gscope sweep collect DIR`, then DIR/sweep.h5's bytes.
    static func collected(_ directory: String, in workdir: String) throws -> Data {
        try gscope(["sweep", "collect", directory], in: workdir)
        return try Data(contentsOf: URL(fileURLWithPath: directory + "/sweep.h5"))
    }

    /// The datasets of a run file that a rerun must reproduce bit for bit.
    static let comparedDatasets = [
        "loss/total", "risk/forget/value", "risk/retain/value", "geffect/forget/tensor", "geffect/retain/tensor",
        "geffect/forget/token", "weights/instance", "update_effect/retain/tensor", "train/grad_norm",
    ]

    /// The runs of the plan in `plan` whose compared datasets differ from those of the plan in
    /// `reference` (by id, with the first differing dataset), and those missing.
    static func differences(_ plan: String, from reference: String) throws -> [String] {
        let ids = try FileManager.default.contentsOfDirectory(atPath: reference + "/runs").sorted()
        var problems: [String] = []
        for id in ids {
            guard let a = try? H5File.open(reference + "/runs/\(id)/run.h5"),
                let b = try? H5File.open(plan + "/runs/\(id)/run.h5")
            else {
                problems.append("\(id): missing")
                continue
            }
            if try a.root.read("steps", as: Int64.self).values != b.root.read("steps", as: Int64.self).values {
                problems.append("\(id): steps differ")
                continue
            }
            for name in comparedDatasets {
                let x = try a.root.read(name, as: Double.self), y = try b.root.read(name, as: Double.self)
                if x.shape != y.shape || !zip(x.values, y.values).allSatisfy({ $0.bitPattern == $1.bitPattern }) {
                    problems.append("\(id): \(name) differs")
                    break
                }
            }
        }
        return problems
    }
}
