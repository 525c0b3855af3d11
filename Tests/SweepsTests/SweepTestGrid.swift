import Foundation
import Store
import Testing
import TestSupport

/// The 2 × 2 × 2 grid the sweep tests run: objectives GA and NPO × learning rates 1e-4 and 1e-3
/// × seeds 0 and 1, 8 steps each with G-effects at every step, on the tiny synthetic setup (a
/// random 2-block GPT over bytes, 20 authors, forget10). About a second per run.
enum SweepTestGrid {
    static let setup = syntheticRunSetup("sweep-grid")

    /// The grid's sweep file (and its base config) in a fresh directory.
    static func sweepFile(_ label: String) -> String {
        let dir = temporaryDirectory(label)
        let base = """
            threads: 1
            model:
              checkpoint: \(setup.checkpoint)
            data:
              dir: \(setup.data)
              tokenizer: byte
              forget_split: forget10
              max_length: 320
            run:
              steps: 8
              record_every: 1
              geffect_retain_size: 8
            """
        let sweep = """
            name: grid
            base: \(dir)/base.yaml
            axes:
              objective.forget.name: [ga, npo]
              optimizer.lr: [1.0e-4, 1.0e-3]
            seeds: 2
            """
        try! base.write(toFile: dir + "/base.yaml", atomically: true, encoding: .utf8)
        try! sweep.write(toFile: dir + "/grid.yaml", atomically: true, encoding: .utf8)
        return dir + "/grid.yaml"
    }

    /// `gscope sweep plan` of the grid into a fresh directory; the plan directory.
    static func planned(_ label: String) throws -> String {
        let dir = temporaryDirectory(label) + "/plan"
        let planned = try runGscope(["sweep", "plan", sweepFile(label + "-file"), "--out", dir])
        #expect(planned.status == 0, "\(planned.stderr)")
        return dir
    }

    /// The grid run uninterrupted by `gscope sweep run --jobs 2`: what every other way of running
    /// it must reproduce.
    static let reference: String = {
        let dir = try! planned("sweep-reference")
        let run = try! runGscope(["sweep", "run", dir, "--jobs", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        return dir
    }()

    /// The datasets of a run file that a rerun must reproduce bit for bit.
    static let comparedDatasets = [
        "loss/total", "risk/forget/value", "risk/retain/value", "geffect/forget/tensor", "geffect/retain/tensor",
        "geffect/forget/token", "weights/instance", "update_effect/retain/tensor", "train/grad_norm",
    ]

    /// The run directories under `plan/runs` whose compared datasets differ from the reference's
    /// (by id, with the first differing dataset), and those missing.
    static func differences(_ plan: String, from reference: String = reference) throws -> [String] {
        let ids = try FileManager.default.contentsOfDirectory(atPath: reference + "/runs").sorted()
        var problems: [String] = []
        for id in ids {
            guard let a = try? H5File.open(reference + "/runs/\(id)/run.h5"), let b = try? H5File.open(plan + "/runs/\(id)/run.h5")
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
