import Foundation

/// The `sbatch` script of `gscope sweep slurm`: a Slurm job array with one task per unfinished
/// run, array task i running manifest entry i through `gscope sweep task DIR i`.
///
/// Two readers see the text. The shell runs the `cd` and `exec` lines; `sbatch` alone reads the
/// `#SBATCH` lines, with its own word rules: `'…'` and `"…"` group, a backslash escapes the next
/// character even between quotes, and a line ends at its newline. Every string (paths, job name,
/// partition, account) goes through `ShellWord.quoted`, whose single quotes (and `'\''` for a
/// quote) both readers take the same way; what they would take differently, a backslash or a
/// newline in an `#SBATCH` value, is refused (`LaunchError.notWritableInSbatchLine`). In the
/// `--output` pattern, `%` of the directory is written `%%` (Slurm's escape) so that only the
/// `%A_%a` gscope adds are replaced (array job id, task index).
package struct SlurmScript: Sendable, Equatable {
    /// `--job-name`.
    package var jobName: String
    /// The manifest indices of the array's tasks (the unfinished runs), any order.
    package var indices: [Int]
    /// How many tasks may run at once (`%K`); nil: as many as Slurm fits.
    package var maxParallel: Int?
    /// The sweep directory DIR, absolute.
    package var sweepDirectory: String
    /// The plan's working directory (config paths are relative to it), absolute.
    package var workdir: String
    /// The gscope binary the tasks run, absolute.
    package var gscope: String
    /// `--cpus-per-task`, also each task's `--threads`.
    package var cpusPerTask: Int
    /// `--time` and `--mem`.
    package var limits: SlurmLimits
    /// One comment line on where the limits came from (measured or given).
    package var limitsSource: String
    /// `--partition` and `--account`, written only when given.
    package var partition: String?
    package var account: String?

    package init(
        jobName: String, indices: [Int], maxParallel: Int?, sweepDirectory: String, workdir: String, gscope: String,
        cpusPerTask: Int, limits: SlurmLimits, limitsSource: String, partition: String? = nil, account: String? = nil
    ) {
        self.jobName = jobName
        self.indices = indices
        self.maxParallel = maxParallel
        self.sweepDirectory = sweepDirectory
        self.workdir = workdir
        self.gscope = gscope
        self.cpusPerTask = cpusPerTask
        self.limits = limits
        self.limitsSource = limitsSource
        self.partition = partition
        self.account = account
    }

    /// `DIR/slurm/logs`: one `<array job id>_<task index>.out` per task (standard output and error).
    package var logDirectory: String { sweepDirectory + "/slurm/logs" }

    /// The `--array` value: the indices as sorted ranges (`0-3,5,7-9`), then `%K` when limited.
    package var arraySpecification: String {
        Self.ranges(indices) + (maxParallel.map { "%\($0)" } ?? "")
    }

    /// Sorted, distinct `indices` as Slurm's comma-separated list of `a-b` ranges and single values.
    package static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        let sorted = Array(Set(indices)).sorted()
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == start ? "\(sorted[start])" : "\(sorted[start])-\(sorted[end])")
            start = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// The script's text; throws `LaunchError.notWritableInSbatchLine` for an `#SBATCH` value
    /// sbatch would read differently from the shell.
    package func text() throws(LaunchError) -> String {
        var directives: [(String, String)] = [
            ("--job-name", try Self.sbatchWord(jobName, option: "--job-name")),
            ("--array", arraySpecification),
            ("--output", try Self.sbatchWord(Self.escapingPercent(logDirectory) + "/%A_%a.out", option: "--output")),
            ("--cpus-per-task", "\(cpusPerTask)"),
            ("--time", "\(limits.timeMinutes)"),
            ("--mem", "\(limits.memoryMB)M"),
        ]
        if let partition { directives.append(("--partition", try Self.sbatchWord(partition, option: "--partition"))) }
        if let account { directives.append(("--account", try Self.sbatchWord(account, option: "--account"))) }
        let task = ShellWord.commandLine([gscope, "sweep", "task", sweepDirectory])
        return """
            #!/bin/sh
            # Written by `gscope sweep slurm`: a Slurm job array over the unfinished runs of a sweep;
            # array task i runs manifest entry i (`gscope sweep task DIR i`, which skips a finished run).
            # Submit with `sbatch` (or `gscope sweep slurm DIR --submit`). Logs: one file per task below.
            # --time and --mem: \(limitsSource.split(whereSeparator: \.isNewline).joined(separator: " "))
            \(directives.map { "#SBATCH \($0.0)=\($0.1)" }.joined(separator: "\n"))
            cd \(ShellWord.quoted(workdir)) || exit 1
            exec \(task) "$SLURM_ARRAY_TASK_ID" --threads "$SLURM_CPUS_PER_TASK"

            """
    }

    /// `value` as one word of an `#SBATCH` line (`ShellWord.quoted`), when sbatch's reader takes
    /// it as the shell does: without a backslash (an escape for sbatch even between quotes) or a
    /// line break.
    static func sbatchWord(_ value: String, option: String) throws(LaunchError) -> String {
        if value.contains("\\") || value.contains(where: \.isNewline) {
            throw .notWritableInSbatchLine(option: option, value: value)
        }
        return ShellWord.quoted(value)
    }

    /// `path` with each `%` doubled: Slurm's file-name patterns read `%%` as one `%`.
    static func escapingPercent(_ path: String) -> String { path.replacingOccurrences(of: "%", with: "%%") }
}
