import ArgumentParser
import Foundation
import Sweeps

/// `gscope sweep plan SWEEP.yaml --out DIR`: one resolved config per run and the manifest.
struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Expand a sweep file into one resolved config per run and a manifest.",
        discussion: """
            A sweep file (YAML) has these keys, all but one of axes/seeds optional:
              name:  the prefix of every run's name (default: the file name)
              base:  the base config file (default: gscope's built-in defaults)
              set:   fixed overrides for every run, `key.path: value`
              axes:  `key.path: [values]`, `key.path: {range: [start, stop, step]}` (stop excluded) or
                     `key.path: {logspace: [from, to], num: n}` (both ends included); the key `base`
                     takes config files, so one sweep can span objectives with different configs
              seeds: `[0, 1, 2]`, `{range: [0, 5]}` or `5` (= 0 to 4): the axis `seed`, varied fastest
              zip:   lists of axis keys that advance together instead of multiplying
            A value may name another key's value of the run as ${key} (an axis, a key of `set`, or a
            key of the resolved config): `model.checkpoint: runs/markov/seed-${seed}/${data.markov}/target/checkpoint`.

            Writes DIR/sweep.yaml (a copy), DIR/configs/<id>.yaml (each run's resolved config; its
            output is DIR/runs/<id>), DIR/manifest.jsonl (index, id, axis values, config and output of
            every run) and DIR/workdir (this directory: the configs' relative paths start here). The
            same sweep file gives the same bytes. Every run's config is checked now: an axis key the
            config does not have is an error naming the sweep file's line.

            Examples:
              gscope sweep plan data/sweeps/markov.yaml --out runs/sweeps/markov
              gscope sweep plan my-sweep.yaml --out runs/sweeps/mine --force     # replace an older plan
            """)

    @Argument(help: "The sweep file (YAML).") var sweepFile: String
    @Option(help: "The plan directory (created).") var out: String
    @Flag(help: "Replace the plan of another sweep in --out (finished runs whose config is unchanged are kept).")
    var force = false

    func run() throws {
        let sweep = try SweepFile.load(path: sweepFile)
        let plan = try SweepPlan(sweep, directory: out)
        try OutputDirectory.claim(out)
        try SweepDirectory.write(plan, to: out, replace: force)
        let dimensions = SweepPlan.dimensions(of: sweep).map { d in
            d.keys.joined(separator: " + ") + " (\(d.length)\(d.keys.count > 1 ? ", zipped" : ""))"
        }
        print("planned \(plan.runs.count) runs of \(sweep.name): \(dimensions.joined(separator: " × "))")
        for run in plan.runs.prefix(3) { print("  \(run.id)") }
        if plan.runs.count > 3 { print("  … \(plan.runs.last!.id)") }
        print("wrote \(out)/manifest.jsonl and \(plan.runs.count) configs; run them with: gscope sweep run \(out) --jobs 2")
    }
}
