import Foundation
import Store

/// What the sweep figures need from a sweep file (`sweep.h5`, written by `gscope sweep collect`),
/// read once: every run's axis values, status, recorded steps with risks and G-effect totals,
/// evaluations and final values, each cut to the run's own steps (the file pads with NaN and −1).
///
/// The file is checked first (``SweepFileLayout``): a damaged or hand-edited file gives a
/// ``RunFileError`` naming the dataset. Runs are grouped into ``Setting``s, the runs that share
/// every axis value except `seed`, whose seeds the figures average (``SeedBand``).
package struct SweepData: Sendable {
    /// The axis of the seeds, which settings average over.
    package static let seedAxis = "seed"

    /// The file as the caller named it.
    package let path: String
    /// The axis keys in sweep order, `seed` last when the sweep has seeds (root attribute `axes`).
    package let axisKeys: [String]
    /// Every axis's distinct values in sweep order, as strings (`/axes/<key>` attribute `levels`).
    package let levels: [String: [String]]
    /// The runs in manifest order.
    package let runs: [Run]

    /// One run of the sweep, as `sweep.h5` holds it.
    package struct Run: Sendable, Equatable {
        /// The manifest id (`/runs/id`).
        package let id: String
        /// `complete`, `diverged at step N`, or why the run is not there (`/runs/status`).
        package let status: String
        /// The run file's objective, e.g. `npo+kl` (`/runs/objective`; "" when missing).
        package let objective: String
        /// The run's value of each axis, as the sweep wrote it (`/axes/<key>`).
        package let axes: [String: String]
        /// The recorded steps (`/steps`, without the −1 padding).
        package let steps: [Int]
        /// R(θ_t) per risk set at `steps` (`/risk/<set>`).
        package let risk: [String: [Double]]
        /// The G-effect totals per risk set at `steps` (`/geffect/<set>/total`).
        package let geffectTotal: [String: [Double]]
        /// The evaluated steps (`/eval/steps`, without the padding).
        package let evalSteps: [Int]
        /// Every evaluation metric at `evalSteps` (`/eval/<metric>`).
        package let eval: [String: [Double]]
        /// The final values (`/final/<name>`): NLLs, last G-effects, risks and metrics.
        package let final: [String: Double]

        /// A run; the series of `risk` and `geffectTotal` have one value per step of `steps`,
        /// those of `eval` one per step of `evalSteps`.
        package init(
            id: String, status: String = "complete", objective: String = "", axes: [String: String], steps: [Int] = [],
            risk: [String: [Double]] = [:], geffectTotal: [String: [Double]] = [:], evalSteps: [Int] = [],
            eval: [String: [Double]] = [:], final: [String: Double] = [:]
        ) {
            precondition((risk.values.map(\.count) + geffectTotal.values.map(\.count)).allSatisfy { $0 == steps.count })
            precondition(eval.values.allSatisfy { $0.count == evalSteps.count })
            self.id = id
            self.status = status
            self.objective = objective
            self.axes = axes
            self.steps = steps
            self.risk = risk
            self.geffectTotal = geffectTotal
            self.evalSteps = evalSteps
            self.eval = eval
            self.final = final
        }

        /// Whether the run finished (complete or diverged; as `RunState.isFinished`): only
        /// finished runs enter the figures.
        package var isFinished: Bool { status == "complete" || status.hasPrefix("diverged") }
    }

    /// Runs that share every axis value except `seed`: one line or cell of a figure.
    package struct Setting: Sendable, Equatable {
        /// Its non-seed axis values that vary in the sweep, `key=value` joined by ", " (key: the
        /// last component of the axis key, the whole key where two varying axes share it).
        package let label: String
        /// Its value of every non-seed axis.
        package let axes: [String: String]
        /// Its runs, as indices of ``SweepData/runs`` in manifest order.
        package let runs: [Int]
    }

    /// A sweep of `runs` over `axisKeys`; `levels` defaults to each axis's values in the order the
    /// runs first take them (the sweep order, since manifests list runs in sweep order).
    package init(path: String, axisKeys: [String], runs: [Run], levels: [String: [String]]? = nil) {
        self.path = path
        self.axisKeys = axisKeys
        self.runs = runs
        self.levels =
            levels
            ?? Dictionary(
                uniqueKeysWithValues: axisKeys.map { key in
                    var seen: [String] = []
                    for run in runs { if let value = run.axes[key], !seen.contains(value) { seen.append(value) } }
                    return (key, seen)
                })
    }

    /// Reads the sweep file `path`. Throws ``RunFileError`` when it is not a sweep file or its
    /// datasets do not fit together, `StoreError` when it is not a readable HDF5 file.
    package init(path: String) throws {
        let file = try H5File.open(path)
        defer { try? file.close() }
        let layout = try SweepFileLayout.check(file)
        self = try Self.read(file, layout: layout)
    }

    /// Whether `path` is an HDF5 file whose root attribute `file_kind` says it is a sweep file
    /// (false for run files and for files that cannot be opened).
    package static func isSweepFile(_ path: String) -> Bool {
        guard let file = try? H5File.open(path) else { return false }
        defer { try? file.close() }
        return (try? file.root.stringAttribute("file_kind")) == SweepFileLayout.fileKind
    }

    // MARK: What the figures ask

    /// The axes other than `seed`, in sweep order.
    package var settingAxes: [String] { axisKeys.filter { $0 != Self.seedAxis } }

    /// The non-seed axes with more than one value: the ones that tell settings apart.
    package var varyingAxes: [String] { settingAxes.filter { (levels[$0]?.count ?? 0) > 1 } }

    /// The finished runs grouped into settings, in the order of their first run.
    package var settings: [Setting] {
        let keys = settingAxes, varying = varyingAxes
        var order: [[String]] = [], members: [[String]: [Int]] = [:]
        for (index, run) in runs.enumerated() where run.isFinished {
            let values = keys.map { run.axes[$0] ?? "" }
            if members[values] == nil { order.append(values) }
            members[values, default: []].append(index)
        }
        return order.map { values in
            let axes = Dictionary(uniqueKeysWithValues: zip(keys, values))
            let label = varying.map { labelPart($0, axes[$0] ?? "") }.joined(separator: ", ")
            let runs = members[values]!
            return Setting(label: label.isEmpty ? fallbackLabel(runs) : label, axes: axes, runs: runs)
        }
    }

    /// The runs that did not finish (missing, running, interrupted, unreadable): left out of
    /// every figure, and listed by `gscope plot`.
    package var unfinishedRuns: [Run] { runs.filter { !$0.isFinished } }

    /// The risk sets that have G-effect totals, forget and retain first.
    package var geffectSets: [String] { Self.riskOrder(Set(runs.flatMap(\.geffectTotal.keys))) }

    /// Every evaluation metric of any run, sorted.
    package var evalMetrics: [String] { Set(runs.flatMap(\.eval.keys)).sorted() }

    /// Every final value of any run, sorted.
    package var finalNames: [String] { Set(runs.flatMap(\.final.keys)).sorted() }

    /// The axis key `name` names: an axis key itself, or the last component of exactly one.
    package func axisKey(named name: String) -> String? {
        if axisKeys.contains(name) { return name }
        let matches = axisKeys.filter { $0.split(separator: ".").last.map(String.init) == name }
        return matches.count == 1 ? matches[0] : nil
    }

    /// How labels name axis `key`: its last path component (the one before it for a `name`:
    /// `objective.retain.name` is `retain`), or the whole key when another varying axis ends the
    /// same way.
    package func shortName(of key: String) -> String {
        func short(_ key: String) -> String {
            let parts = key.split(separator: ".").map(String.init)
            return parts.count >= 2 && parts.last == "name" ? parts[parts.count - 2] : parts.last ?? key
        }
        let clashes = varyingAxes.filter { $0 != key && short($0) == short(key) }
        return clashes.isEmpty ? short(key) : key
    }

    /// One axis's part of a setting's label: `key=value`, or for the axis `base` (config files)
    /// the file's name without extension.
    package func labelPart(_ key: String, _ value: String) -> String {
        key == "base" ? URL(fileURLWithPath: value).deletingPathExtension().lastPathComponent : "\(shortName(of: key))=\(value)"
    }

    /// For each step any run of `setting` has (sorted), the seed band of each series: `steps`
    /// gives a run's steps, each of `series` its values at them (nil: the run lacks the series).
    package func bandsOverSteps(
        of setting: Setting, steps: (Run) -> [Int], series: [(Run) -> [Double]?]
    ) -> [(step: Int, bands: [SeedBand])] {
        let members = setting.runs.map { runs[$0] }
        let allSteps = Set(members.flatMap(steps)).sorted()
        let positions = members.map { run in Dictionary(steps(run).enumerated().map { ($1, $0) }) { first, _ in first } }
        return allSteps.map { step in
            let bands = series.map { values in
                SeedBand(
                    zip(members, positions).map { run, position in
                        guard let k = position[step], let values = values(run), k < values.count else { return Double.nan }
                        return values[k]
                    })
            }
            return (step, bands)
        }
    }

    /// The label of a setting when no axis varies: the objective of its first run, else "all runs".
    private func fallbackLabel(_ members: [Int]) -> String {
        members.first.map { runs[$0].objective }.flatMap { $0.isEmpty ? nil : $0 } ?? "all runs"
    }

    /// `names` joined by ", " for a message, or "none".
    static func list(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }

    /// Risk sets in plotting order: forget, retain, then the others sorted.
    static func riskOrder(_ sets: Set<String>) -> [String] {
        ["forget", "retain"].filter(sets.contains) + sets.subtracting(["forget", "retain"]).sorted()
    }

    // MARK: Reading

    /// Reads the checked file.
    private static func read(_ file: H5File, layout: SweepFileLayout) throws -> SweepData {
        let root = file.root
        let reader = NumberReader(root: root)
        let count = layout.runCount
        let ids = try root.readStrings("runs/id")
        let status = try root.readStrings("runs/status")
        let objectives =
            root.contains("runs/objective") ? try root.readStrings("runs/objective") : Array(repeating: "", count: count)
        var axisValues: [String: [String]] = [:]
        for key in layout.axisKeys { axisValues[key] = try layout.axisStrings(key, in: file) }

        /// Row `r` of an [R, columns] dataset, cut to `length` values.
        func rows(_ path: String, lengths: [Int]) throws -> [[Double]] {
            let matrix = try reader.matrix(path, rows: count)!
            return (0..<count).map { Array(matrix.row($0).prefix(lengths[$0])) }
        }
        let steps = layout.steps, evalSteps = layout.evalSteps
        var risk: [String: [[Double]]] = [:], total: [String: [[Double]]] = [:], eval: [String: [[Double]]] = [:]
        for set in layout.riskSets { risk[set] = try rows("risk/\(set)", lengths: steps.map(\.count)) }
        for set in layout.geffectSets { total[set] = try rows("geffect/\(set)/total", lengths: steps.map(\.count)) }
        for metric in layout.evalMetrics { eval[metric] = try rows("eval/\(metric)", lengths: evalSteps.map(\.count)) }
        var finals: [String: [Double]] = [:]
        for name in layout.finalNames { finals[name] = try reader.numbers("final/\(name)").values }

        let runs = (0..<count).map { r in
            Run(
                id: ids[r], status: status[r], objective: objectives[r],
                axes: Dictionary(uniqueKeysWithValues: layout.axisKeys.map { ($0, axisValues[$0]![r]) }),
                steps: steps[r], risk: risk.mapValues { $0[r] }, geffectTotal: total.mapValues { $0[r] },
                evalSteps: evalSteps[r], eval: eval.mapValues { $0[r] }, final: finals.mapValues { $0[r] })
        }
        return SweepData(path: file.path, axisKeys: layout.axisKeys, runs: runs, levels: layout.levels)
    }
}
