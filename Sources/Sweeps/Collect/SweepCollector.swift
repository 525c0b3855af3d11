import Experiments
import Figures
import Foundation
import Store

/// One planned run of a sweep as `gscope sweep collect` sees it: its manifest entry, its planned
/// config and where its run file should be.
package struct PlannedRun: Sendable {
    /// The manifest's `index` (0-based, run order).
    package let index: Int
    /// The manifest's `id`.
    package let id: String
    /// The run's value of each axis, in sweep order (`seed` last when the sweep has seeds).
    package let axes: [(key: String, value: String)]
    /// The planned resolved config (`DIR/configs/<id>.yaml`), "" when it cannot be read.
    package let configText: String
    /// The run file (`DIR/runs/<id>/run.h5`), absolute.
    package let runFile: String
    /// The run file as messages name it, relative to DIR (`runs/<id>/run.h5`), so that the
    /// collected file does not depend on where DIR lies.
    package let runFileName: String
    /// The planned config, when known: a finished run file whose recorded config differs from it
    /// (the plan changed after the run) is not collected (``RunState``).
    package let plannedConfig: ExperimentConfig?

    /// A planned run; see the properties.
    package init(
        index: Int, id: String, axes: [(key: String, value: String)], configText: String, runFile: String, runFileName: String,
        plannedConfig: ExperimentConfig? = nil
    ) {
        self.index = index
        self.id = id
        self.axes = axes
        self.configText = configText
        self.runFile = runFile
        self.runFileName = runFileName
        self.plannedConfig = plannedConfig
    }
}

/// One run as collected: its place in the sweep, its status and, for a finished run (complete or
/// diverged), what its run file holds.
package struct CollectedRun: Sendable {
    /// The planned run.
    package let plan: PlannedRun
    /// `complete`, `diverged at step N`, or why the run is not there: `missing`, `running`,
    /// `interrupted at step N`, `unreadable: <reason>`.
    package let status: String
    /// The run file's root `objective` whenever the file can be read, "" otherwise.
    package let objective: String
    /// The run file's numbers for a finished run (complete or diverged), nil otherwise: an
    /// unfinished run's numbers are not collected (its row is padding).
    package let numbers: RunNumbers?

    /// Whether the run ended by itself: `complete` or `diverged at step N`.
    package var isFinished: Bool { status == Self.complete || status.hasPrefix("diverged") }

    /// The status of a run that did every step.
    package static let complete = "complete"
    /// The status of a run whose file does not exist.
    package static let missing = "missing"
}

/// Gathers the runs of a sweep from their run files (read through ``RunData``), in manifest order,
/// with the layout they share: the union of their risk sets, layer groups and evaluation metrics,
/// and the most recorded steps and evaluations of any run. Missing, unfinished and unreadable
/// runs are kept, with their status; nothing is dropped.
package struct SweepCollection: Sendable {
    /// The sweep file's text (`DIR/sweep.yaml`).
    package let sweepText: String
    /// The axis keys in sweep order, `seed` last when the sweep has seeds.
    package let axisKeys: [String]
    /// Every run, in manifest order.
    package let runs: [CollectedRun]
    /// The risk sets of the finished runs: `forget`, `retain`, then the others sorted.
    package let riskSets: [String]
    /// The risk sets with G-effect totals, in ``riskSets`` order.
    package let geffectSets: [String]
    /// The layer-group names of the finished runs, in order of first appearance.
    package let groupNames: [String]
    /// The evaluation metrics of the finished runs, sorted.
    package let evalMetrics: [String]
    /// S: the most recorded steps of any finished run.
    package let stepCount: Int
    /// E: the most evaluations of any finished run.
    package let evalCount: Int

    /// The quantile levels of `/weights/instance_quantiles`: min, quartiles, max.
    package static let weightQuantileLevels = [0, 0.25, 0.5, 0.75, 1]

    /// Reads every planned run's file (in order) and lays the runs out together.
    package init(sweepText: String, axisKeys: [String], runs planned: [PlannedRun]) {
        self.sweepText = sweepText
        self.axisKeys = axisKeys
        runs = planned.map(Self.collect)
        let finished = runs.compactMap(\.numbers)
        let sets = Set(finished.flatMap(\.riskSets))
        riskSets =
            (["forget", "retain"].filter(sets.contains)) + sets.subtracting(["forget", "retain"]).sorted()
        geffectSets = riskSets.filter { set in finished.contains { $0.geffectTotal[set] != nil } }
        var groups: [String] = []
        for name in finished.flatMap(\.groupNames) where !groups.contains(name) { groups.append(name) }
        groupNames = groups
        evalMetrics = Set(finished.flatMap(\.evalMetrics.keys)).sorted()
        stepCount = finished.map(\.steps.count).max() ?? 0
        evalCount = finished.map(\.evalSteps.count).max() ?? 0
    }

    /// Reads every run of the plan directory `directory` (``SweepDirectory``), in manifest order.
    package init(directory: SweepDirectory) {
        let runs = directory.entries.map { entry in
            PlannedRun(
                index: entry.index, id: entry.id, axes: entry.axes.map { ($0.key, $0.value) },
                configText: (try? directory.configText(of: entry)) ?? "", runFile: directory.runFile(entry),
                runFileName: entry.out + "/run.h5", plannedConfig: try? directory.plannedConfig(entry))
        }
        self.init(sweepText: directory.sweep.text, axisKeys: directory.axisKeys, runs: runs)
    }

    /// Reads one run: missing file → `missing`; a file ``RunData`` cannot read → `unreadable:
    /// <reason>` (the reason names the file relative to DIR); a finished run whose recorded config
    /// is not the planned one → ``RunState``'s reason; else the file's `status`, with its numbers
    /// when the run finished.
    static func collect(_ plan: PlannedRun) -> CollectedRun {
        guard FileManager.default.fileExists(atPath: plan.runFile) else {
            return CollectedRun(plan: plan, status: CollectedRun.missing, objective: "", numbers: nil)
        }
        let data: RunData
        do {
            data = try RunData(path: plan.runFile)
        } catch {
            let reason = "\(error)".replacingOccurrences(of: plan.runFile, with: plan.runFileName)
            return CollectedRun(plan: plan, status: "unreadable: " + reason, objective: "", numbers: nil)
        }
        let status = data.status ?? "unreadable: \(plan.runFileName) has no root attribute status"
        let run = CollectedRun(plan: plan, status: status, objective: data.objective ?? "", numbers: nil)
        guard run.isFinished else { return run }
        if let planned = plan.plannedConfig, case .unfinished(let reason) = RunState.of(runFile: plan.runFile, planned: planned) {
            let status = reason.replacingOccurrences(of: plan.runFile, with: plan.runFileName)
            return CollectedRun(plan: plan, status: status, objective: run.objective, numbers: nil)
        }
        return CollectedRun(plan: plan, status: status, objective: run.objective, numbers: RunNumbers(data))
    }

    /// The final values, one column per name in CSV and `/final` order: `forget_nll_before`,
    /// `forget_nll_after`, `retain_nll_before`, `retain_nll_after`, `e_<set>` (the last G-effect
    /// total) per G-effect set, `risk_<set>` (the last risk) per risk set, then every evaluation
    /// metric's last value. NaN where a run has no such value.
    package var finalColumns: [(name: String, values: [Double])] {
        func column(_ name: String, _ value: (RunNumbers) -> Double?) -> (name: String, values: [Double]) {
            (name, runs.map { run in run.numbers.flatMap(value) ?? .nan })
        }
        return [
            column("forget_nll_before") { $0.answerNLL.forgetBefore },
            column("forget_nll_after") { $0.answerNLL.forgetAfter },
            column("retain_nll_before") { $0.answerNLL.retainBefore },
            column("retain_nll_after") { $0.answerNLL.retainAfter },
        ]
            + geffectSets.map { set in column("e_\(set)") { $0.geffectTotal[set]?.last } }
            + riskSets.map { set in column("risk_\(set)") { $0.risk[set]?.last } }
            + evalMetrics.map { metric in column(metric) { $0.evalMetrics[metric]?.last } }
    }

    /// The runs that did not complete (diverged ones included), in manifest order.
    package var notComplete: [CollectedRun] { runs.filter { $0.status != CollectedRun.complete } }

    /// One line counting the runs by status kind, e.g. `8 runs: 6 complete, 1 diverged, 1 missing`
    /// (kinds: complete, diverged, running, interrupted, missing, unreadable, and `stale` for a
    /// run file whose config is not the plan's).
    package var statusSummary: String {
        let kinds = ["complete", "diverged", "running", "interrupted", "missing", "unreadable", "stale"]
        var counts: [String: Int] = [:]
        for run in runs {
            let kind =
                kinds.first { run.status.hasPrefix($0) } ?? (run.status.hasPrefix("its config differs") ? "stale" : run.status)
            counts[kind, default: 0] += 1
        }
        let parts = (kinds + counts.keys.filter { !kinds.contains($0) }.sorted()).compactMap { kind in
            counts[kind].map { "\($0) \(kind)" }
        }
        return "\(runs.count) run\(runs.count == 1 ? "" : "s")" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }
}
