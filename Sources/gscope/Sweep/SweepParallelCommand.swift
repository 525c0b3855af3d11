import ArgumentParser
import Experiments
import Foundation
import Sweeps

/// `gscope sweep parallel DIR`: the GNU parallel command line that runs the sweep's manifest, here
/// or over ssh; with `--run`, runs it.
struct SweepParallelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parallel",
        abstract: "Print (or with --run, run) the GNU parallel command line that runs the sweep.",
        discussion: """
            One job per manifest entry, `gscope sweep task DIR i --threads T`, which skips a finished \
            run and redoes one that died. The job log DIR/parallel.joblog and --resume-failed let the \
            same command line carry on after an interruption: jobs it records as done are not started \
            again (this command first drops from the log the jobs whose runs are no longer finished, \
            say a run file removed or a plan changed since, so that they run again). --sshlogin runs the jobs on other hosts (GNU parallel's list: `host`, \
            `N/user@host`, `:` for this machine, comma separated); they run the same absolute paths \
            (the gscope binary, DIR, the plan's directory and what the configs name), so the hosts \
            need a shared file system.

            Example:
              gscope sweep parallel runs/sweeps/markov --jobs 2 --threads 1 --run
              gscope sweep parallel runs/sweeps/markov --sshlogin 4/node1,4/node2 --threads 2
            """)

    @Argument(help: "The sweep directory (`gscope sweep plan --out DIR`).") var directory: String
    @Option(help: "Jobs at once on each host (default: this machine's cores).") var jobs: Int?
    @Option(help: "Threads of each run (default: max(1, this machine's cores / jobs)).") var threads: Int?
    @Option(help: "GNU parallel's --sshlogin list of hosts (default: this machine only).") var sshlogin: String?
    @Flag(name: .customLong("run"), help: "Run the command line (needs GNU parallel) instead of only printing it.")
    var execute = false

    /// The option values, checked (`OptionError`, exit 2).
    func checkOptions() throws {
        if let jobs, jobs < 1 { throw OptionError(option: "--jobs", "must be at least 1, got \(jobs)") }
        if let threads, let problem = ThreadCount.problem(threads) { throw OptionError(option: "--threads", problem) }
    }

    func run() throws {
        try checkOptions()
        let sweep = try SweepDirectory(path: directory)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let jobs = jobs ?? cores
        let line = ParallelCommandLine(
            sweepDirectory: sweep.path, gscope: ThisExecutable.path,
            indices: sweep.entries.map(\.index), jobs: jobs, threads: threads ?? max(1, cores / jobs), sshLogin: sshlogin)
        try bringJobLogUpToDate(line.jobLog, sweep: sweep)
        print(line.text)
        guard execute else { return }
        let (status, _) = try SweepLauncher.runTool(line.words)
        if status == 127 { throw fail("parallel: not found on PATH (Debian: apt-get install parallel)", exitCode: 1) }
        try SweepLauncher.reportFinished(sweep, launcher: "parallel", logs: line.jobLog, status: status)
    }

    /// Drops from the job log the jobs of runs that are not finished now, which parallel would
    /// otherwise skip as done (a run file removed, a plan changed since).
    func bringJobLogUpToDate(_ path: String, sweep: SweepDirectory) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let unfinished = Set(sweep.entries.filter { !sweep.state(of: $0).isFinished }.map(\.index))
        let updated = ParallelCommandLine.jobLog(text, droppingJobsOf: unfinished)
        if updated != text { try Data(updated.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) }
    }
}
