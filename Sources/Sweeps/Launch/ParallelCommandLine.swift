/// The GNU parallel command line of `gscope sweep parallel`: one job per manifest entry, each
/// `gscope sweep task DIR i --threads T`, on this machine or over ssh (`--sshlogin`).
///
/// - Every entry is listed, finished or not, in manifest order, so that job number n is always
///   entry n − 1: `--resume-failed` recognises jobs by that number in the job log, and a list that
///   shrank as runs finished would shift it. A finished run costs one short `sweep task` that says
///   so (and a job the log records as done is not started at all).
/// - `--quote`: parallel hands its command to a shell, and over ssh to the remote shell; with
///   `--quote` it quotes each word itself, so the words below reach gscope unchanged on any host.
/// - The gscope path and DIR are input sources (`{1}`, `{2}`; the index is `{3}`), not words of the
///   command: parallel replaces `{}`, `{#}`, `{= perl =}` and the like anywhere in its command's
///   words, but never inside an argument's value. Three sources of 1, 1 and R values make R jobs,
///   the last varying fastest, so job n is still entry n − 1.
/// - A job the log records as done is never started again, even when its run is no longer finished
///   (its run file removed, or the plan changed). `gscope sweep parallel` therefore drops those jobs'
///   lines from the log (`jobLog(_:droppingJobsOf:)`) before it prints or runs the line.
/// - Remote hosts run the same absolute paths (the gscope binary, DIR, the plan's workdir and
///   whatever the configs name): the hosts need a shared file system. The job log stays here.
package struct ParallelCommandLine: Sendable, Equatable {
    /// The sweep directory DIR, absolute.
    package var sweepDirectory: String
    /// The gscope binary, absolute.
    package var gscope: String
    /// Every manifest index, in order.
    package var indices: [Int]
    /// Jobs at once on each host (`--jobs`).
    package var jobs: Int
    /// Threads per run (`sweep task --threads`).
    package var threads: Int
    /// `--sshlogin` as given (parallel's list: `host`, `N/user@host`, `:` for this machine, comma
    /// separated); nil: this machine only.
    package var sshLogin: String?

    package init(sweepDirectory: String, gscope: String, indices: [Int], jobs: Int, threads: Int, sshLogin: String? = nil) {
        self.sweepDirectory = sweepDirectory
        self.gscope = gscope
        self.indices = indices
        self.jobs = jobs
        self.threads = threads
        self.sshLogin = sshLogin
    }

    /// `DIR/parallel.joblog`: parallel's record of each job (host, times, exit status, command).
    package var jobLog: String { sweepDirectory + "/parallel.joblog" }

    /// The command as words: what `--run` starts (no shell), and what `text` quotes.
    package var words: [String] {
        ["parallel", "--jobs", "\(jobs)", "--joblog", jobLog, "--resume-failed"]
            + (sshLogin.map { ["--sshlogin", $0] } ?? [])
            + ["--quote", "{1}", "sweep", "task", "{2}", "{3}", "--threads", "\(threads)"]
            + [":::", gscope, ":::", sweepDirectory, ":::"] + indices.map(String.init)
    }

    /// The command line for a POSIX shell: each word through `ShellWord.quoted`.
    package var text: String { ShellWord.commandLine(words) }

    /// The job log `text` without the lines of the jobs of `unfinished` runs (job n is manifest
    /// entry n − 1; the first tab-separated field is n), so that `--resume-failed` runs them again.
    /// The header and any line that does not start with a job number stay.
    package static func jobLog(_ text: String, droppingJobsOf unfinished: Set<Int>) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { line in
            guard let job = Int(line.prefix { $0 != "\t" }) else { return true }
            return !unfinished.contains(job - 1)
        }
        return kept.joined(separator: "\n")
    }
}
