import ArgumentParser
import Foundation
import Store
import Sweeps

/// `gscope sweep collect DIR`: every run of a plan into DIR/sweep.h5 and DIR/sweep.csv.
struct SweepCollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Collect a sweep's runs into DIR/sweep.h5 (per step) and DIR/sweep.csv (final values).",
        discussion: """
            Reads every run file of the plan, in manifest order, and writes one HDF5 file with the \
            axes and, per run and recorded step, the risks, the G-effects (total, per layer group, \
            per term), the instance-weight quantiles and the evaluation metrics, plus the final \
            values; and one CSV row of final values per run, for pandas. docs/sweep-file.md \
            describes both. Runs that are missing, still running, interrupted or unreadable are \
            rows too (their status says why, their numbers are NaN) and are listed; the command \
            still succeeds. The same finished runs give the same bytes, whatever ran them.

            Example:
              gscope sweep collect runs/sweeps/markov
              python3 -c "import pandas; print(pandas.read_csv('runs/sweeps/markov/sweep.csv'))"
            """)

    @Argument(help: "The plan directory (made by `gscope sweep plan`).") var directory: String

    func run() throws {
        let plan = try SweepDirectory(path: directory)
        let collection = SweepCollection(directory: plan)
        let shown = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let h5 = shown + "/sweep.h5", csv = shown + "/sweep.csv"
        do {
            try SweepFileWriter.write(collection, to: plan.path + "/sweep.h5")
        } catch let error as StoreError {
            // The file could not be written (a full disk, a read-only directory): one line, exit 1.
            throw fail("\(error)", exitCode: 1)
        }
        try SweepCSV.text(of: collection).write(toFile: plan.path + "/sweep.csv", atomically: true, encoding: .utf8)
        print(collection.statusSummary)
        let notComplete = collection.notComplete
        if !notComplete.isEmpty {
            print("\(notComplete.count) of \(collection.runs.count) runs are not complete:")
            for run in notComplete { print("  \(run.plan.id): \(run.status)") }
        }
        print("wrote \(h5) and \(csv)")
    }
}
