import ArgumentParser
import Experiments
import Foundation
import Sweeps

/// `gscope sweep run DIR --jobs N`: the plan's unfinished runs on this machine.
struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep plan's unfinished runs on this machine, N at a time.",
        discussion: """
            Each run is a child process (`gscope sweep task DIR INDEX`) writing DIR/runs/<id>/ and \
            appending its output to DIR/logs/<id>.log. Finished runs (complete or diverged) are \
            skipped, so running the command again resumes a sweep: a run that died (killed, \
            interrupted, out of memory) is redone from its start. The threads of the cores are \
            shared: --threads defaults to cores / --jobs. The numbers do not depend on either.

            Examples:
              gscope sweep run runs/sweeps/markov --jobs 2
              gscope sweep run runs/sweeps/markov --jobs 1 --threads 2
            """)

    @Argument(help: "The plan directory.") var directory: String
    @Option(help: "Runs at the same time.") var jobs: Int = 1
    @Option(help: ArgumentHelp("Worker threads of each run (default: cores / jobs, at least 1).", valueName: "k"))
    var threads: Int?

    func run() throws {
        guard (1...1024).contains(jobs) else { throw OptionError(option: "--jobs", "must be between 1 and 1024, got \(jobs)") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let perRun = threads ?? max(1, cores / jobs)
        if let problem = ThreadCount.problem(perRun) { throw OptionError(option: "--threads", problem) }
        let plan = try SweepDirectory(path: directory)
        try OutputDirectory.claim(plan.path)
        let pending = plan.entries.filter { !plan.state(of: $0).isFinished }
        let done = plan.entries.count - pending.count
        print(
            "\(plan.entries.count) runs, \(done) finished; running \(pending.count) with \(jobs) at a time × \(perRun) threads"
        )
        guard !pending.isEmpty else { return }
        Signals.catchStopRequests()
        let start = Date()
        var count = 0
        let runner = LocalRunner(directory: plan, executable: ThisExecutable.path, jobs: jobs, threads: perRun)
        let outcomes = try runner.run(
            pending, stopRequested: { Signals.stopRequested() != nil },
            ended: { outcome in
                count += 1
                let what =
                    outcome.succeeded ? outcome.state.text : "FAILED (\(outcome.failure)); log: \(plan.logPath(outcome.entry))"
                let elapsed = Date().timeIntervalSince(start)
                let eta = ProgressBar.duration(elapsed / Double(count) * Double(pending.count - count))
                // Written at once, not buffered: one line per finished run, also into a log file or a pipe.
                FileHandle.standardOutput.write(
                    Data(
                        (String(
                            format: "[%d/%d] %@: %@ (%.1f s; ETA %@)", count, pending.count, outcome.entry.id, what,
                            outcome.seconds, eta) + "\n").utf8))
            })
        let failed = outcomes.filter { !$0.succeeded }
        let notStarted = pending.count - outcomes.count
        print(
            String(
                format: "%d of %d runs finished in %.1f s", outcomes.count - failed.count, pending.count,
                Date().timeIntervalSince(start)))
        if let signal = Signals.stopRequested() {
            throw fail(
                "stopped by signal \(signal): \(notStarted) runs not started; run the command again to resume",
                exitCode: 128 + signal)
        }
        if !failed.isEmpty {
            throw fail(
                "\(failed.count) runs failed (\(failed.map(\.entry.id).joined(separator: ", "))); their logs are in \(plan.path)/logs; "
                    + "run the command again to redo them", exitCode: 1)
        }
    }
}
