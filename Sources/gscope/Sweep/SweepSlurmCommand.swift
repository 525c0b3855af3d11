import ArgumentParser
import Experiments
import Foundation
import Sweeps

/// `gscope sweep slurm DIR`: writes `DIR/slurm/sweep.sbatch`, a Slurm job array with one task per
/// unfinished run, and with `--submit` submits it.
struct SweepSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) a Slurm job array over the sweep's unfinished runs.",
        discussion: """
            Writes DIR/slurm/sweep.sbatch: a job array with one task per unfinished run (array task i \
            runs manifest entry i with `gscope sweep task`, which skips a run that finished meanwhile), \
            one log per task in DIR/slurm/logs/<job>_<task>.out, --cpus-per-task = --threads. \
            --time and --mem come from one measured run of the sweep's first config (run here, in \
            DIR/slurm/measure; time = 2 × its wall time + 60 s in whole minutes, memory = 1.5 × its \
            peak resident memory), cached in DIR/slurm/measure.json; --time and --mem skip the \
            measurement. The nodes need the paths this machine sees (the gscope binary, DIR and the \
            plan's directory): a shared file system. Run it again after a failure: only the runs \
            not finished are in the new array.

            Example:
              gscope sweep slurm runs/sweeps/markov --max-parallel 20 --partition short --submit
            """)

    @Argument(help: "The sweep directory (`gscope sweep plan --out DIR`).") var directory: String
    @Option(help: "Threads of each run, also its --cpus-per-task.") var threads: Int = 1
    @Option(help: "Array tasks running at once (`--array=…%K`; default: as many as Slurm fits).") var maxParallel: Int?
    @Option(help: "Time limit of a task in minutes (default: from a measured run).") var time: Int?
    @Option(help: "Memory of a task in MB (default: from a measured run).") var mem: Int?
    @Option(help: "Slurm partition (default: the cluster's).") var partition: String?
    @Option(help: "Slurm account to charge (default: yours).") var account: String?
    @Option(help: "Job name (default: the sweep's name).") var jobName: String?
    @Flag(help: "Submit the script with sbatch and print the job id.") var submit = false
    @Flag(help: "With --submit: wait until every task of the array has ended (sbatch --wait).") var wait = false

    /// The option values, checked (`OptionError`, exit 2).
    func checkOptions() throws {
        if let problem = ThreadCount.problem(threads) { throw OptionError(option: "--threads", problem) }
        for (name, value) in [("--max-parallel", maxParallel), ("--time", time), ("--mem", mem)] {
            if let value, value < 1 { throw OptionError(option: name, "must be at least 1, got \(value)") }
        }
        if wait && !submit { throw OptionError(option: "--wait", "needs --submit") }
    }

    func run() throws {
        try checkOptions()
        let sweep = try SweepDirectory(path: directory)
        let dir = sweep.path
        let unfinished = sweep.entries.filter { !sweep.state(of: $0).isFinished }
        guard !unfinished.isEmpty else {
            print("All \(sweep.entries.count) runs of \(directory) are finished; nothing to run.")
            return
        }
        guard FileManager.default.changeCurrentDirectoryPath(sweep.workdir) else {
            throw fail("\(sweep.workdir): cannot change into the plan's directory", exitCode: 1)
        }
        let gscope = ThisExecutable.path
        let (limits, source) = try resourceLimits(sweep, gscope: gscope)
        let script = SlurmScript(
            jobName: jobName ?? sweep.sweep.name,
            indices: unfinished.map(\.index), maxParallel: maxParallel, sweepDirectory: dir, workdir: sweep.workdir,
            gscope: gscope, cpusPerTask: threads, limits: limits, limitsSource: source, partition: partition,
            account: account)
        let path = dir + "/slurm/sweep.sbatch"
        do {
            let text = try script.text()
            try FileManager.default.createDirectory(atPath: script.logDirectory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as LaunchError {
            throw fail(error.description, exitCode: 2)
        }
        print(
            "\(path): \(unfinished.count) of \(sweep.entries.count) runs (--array=\(script.arraySpecification)), "
                + "--cpus-per-task=\(threads) --time=\(limits.timeMinutes) --mem=\(limits.memoryMB)M")
        guard submit else { return }
        try submitScript(path, sweep: sweep)
    }

    /// --time and --mem as given, else from the cached or a new measured run of the first config;
    /// and a line on where they came from.
    func resourceLimits(_ sweep: SweepDirectory, gscope: String) throws -> (SlurmLimits, String) {
        if let time, let mem { return (SlurmLimits(timeMinutes: time, memoryMB: mem), "given (--time \(time) --mem \(mem))") }
        let first = sweep.entries[0]
        let config = first.config
        let cache = RunMeasurement.cachePath(in: sweep.path)
        let measurement =
            try RunMeasurement.cached(at: cache, config: config, threads: threads)
            ?? measure(first, of: sweep, gscope: gscope)
        let measured = SlurmLimits(measured: measurement)
        let limits = SlurmLimits(timeMinutes: time ?? measured.timeMinutes, memoryMB: mem ?? measured.memoryMB)
        let wall = String(format: "%.1f", measurement.wallSeconds)
        let peak = String(format: "%.1f", Double(measurement.peakResidentKiB) / 1024)
        let source =
            "one run of \(config) with \(threads) thread(s) took \(wall) s and \(peak) MB at its peak (DIR/slurm/measure.json); "
            + "time = ⌈(2 × wall + 60 s) / 60⌉ min, memory = ⌈1.5 × peak⌉ MB"
            + (time != nil || mem != nil ? "; partly given" : "")
        return (limits, source)
    }

    /// Runs `entry`'s config once with `gscope unlearn` into DIR/slurm/measure/run (removed after: its
    /// checkpoints may be large; the log stays), measures it and caches the measurement.
    func measure(_ entry: ManifestEntry, of sweep: SweepDirectory, gscope: String) throws -> RunMeasurement {
        let scratch = sweep.path + "/slurm/measure"
        let log = scratch + "/unlearn.log"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        print("Measuring one run of \(entry.id) with \(threads) thread(s) for --time and --mem (log: \(log)) …")
        let arguments = [
            "unlearn", "--config", sweep.configPath(entry), "--out", scratch + "/run", "--force", "--threads", "\(threads)",
            "--quiet",
        ]
        do {
            let usage = try MeasuredChild.run(gscope, arguments, log: log)
            guard usage.exitStatus == 0 else {
                throw LaunchError.measuredRunFailed(log: log, config: entry.config, how: usage.ending)
            }
            try? FileManager.default.removeItem(atPath: scratch + "/run")
            let measurement = RunMeasurement(
                config: entry.config, threads: threads, wallSeconds: usage.wallSeconds, peakResidentKiB: usage.peakResidentKiB)
            try Data(measurement.jsonText.utf8).write(
                to: URL(fileURLWithPath: RunMeasurement.cachePath(in: sweep.path)), options: .atomic)
            return measurement
        } catch let error as LaunchError {
            throw fail(error.description, exitCode: 1)
        }
    }
}

extension SweepSlurmCommand {
    /// `sbatch --parsable [--wait] SCRIPT`: prints the job id as soon as sbatch gives it; with
    /// --wait, then waits for the array's end and says how many runs finished.
    func submitScript(_ path: String, sweep: SweepDirectory) throws {
        let (status, firstLine) = try SweepLauncher.runTool(["sbatch", "--parsable"] + (wait ? ["--wait"] : []) + [path]) {
            line in
            // --parsable: "<job id>[;<cluster>]"
            print(line.split(separator: ";").first.map(String.init) ?? line)
            fflush(nil)
        }
        if status == 127 { throw fail("sbatch: not found on PATH; submit \(path) where Slurm is installed", exitCode: 1) }
        guard let jobID = firstLine?.split(separator: ";").first.map(String.init), !jobID.isEmpty else {
            throw fail("sbatch \(path): no job was submitted (exit \(status))", exitCode: 1)
        }
        guard wait else { return }
        try SweepLauncher.reportFinished(sweep, launcher: "job array \(jobID)", logs: sweep.path + "/slurm/logs", status: status)
    }
}
