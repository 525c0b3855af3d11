import ArgumentParser
import Foundation
import Sweeps

/// `gscope sweep task DIR INDEX`: one run of a plan, in this process. What `sweep run`'s children,
/// Slurm array tasks and GNU parallel jobs call.
struct SweepTaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Run one run of a sweep plan (what Slurm array tasks and GNU parallel jobs call).",
        discussion: """
            A finished run (its run file complete, or diverged) is left alone; any other is run with \
            `gscope unlearn --force` from the plan's working directory, so a run that died is redone. \
            Exit status 0 when the run is finished (complete or diverged), else that of the run.

            Example:
              gscope sweep task runs/sweeps/markov 7 --threads 1
            """)

    @Argument(help: "The plan directory.") var directory: String
    @Argument(help: "The run's index in the manifest (from 0).") var index: Int
    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try threadOptions.check()
        let plan = try SweepDirectory(path: directory)
        let entry = try plan.entry(index)
        let before = plan.state(of: entry)
        if before.isFinished {
            print("\(entry.id): \(before.text); nothing to do")
            return
        }
        guard FileManager.default.changeCurrentDirectoryPath(plan.workdir) else {
            throw fail("\(plan.workdir): cannot enter the sweep's working directory (\(plan.path)/workdir)", exitCode: 1)
        }
        print("\(entry.id): \(before.text); running \(plan.configPath(entry))")
        var arguments = ["--config", plan.configPath(entry), "--force", "--quiet"]
        if let threads = threadOptions.threads { arguments += ["--threads", String(threads)] }
        let unlearn = try Unlearn.parse(arguments)
        do {
            try unlearn.run()
        } catch {
            // A diverged run is a result: keep its file (written beside a dead run's as .partial).
            let runFile = plan.runFile(entry)
            let partial = runFile + ".partial"
            if FileManager.default.fileExists(atPath: partial),
                case .diverged = RunState.of(runFile: partial, planned: nil)
            {
                _ = rename(partial, runFile)
            }
            if case .diverged(let status) = plan.state(of: entry) {
                print("\(entry.id): \(status)")
                return
            }
            throw error
        }
    }
}
