import Foundation
import Testing
import TestSupport

import Sweeps

/// The GNU parallel command line of `gscope sweep parallel`: its text for a given manifest, and
/// hostile paths through the shell, through parallel, and through parallel's ssh path (a stand-in
/// `ssh` that runs the remote command with `sh -c`, as sshd hands it to the remote shell).
@Suite("Parallel command line")
struct ParallelCommandLineTests {
    @Test func theTextForAGivenManifest() {
        let line = ParallelCommandLine(
            sweepDirectory: "/data/sweeps/markov", gscope: "/opt/gscope/bin/gscope", indices: Array(0..<4), jobs: 2,
            threads: 1)
        #expect(
            line.text == "parallel --jobs 2 --joblog /data/sweeps/markov/parallel.joblog --resume-failed --quote "
                + "'{1}' sweep task '{2}' '{3}' --threads 1 ::: /opt/gscope/bin/gscope ::: /data/sweeps/markov ::: 0 1 2 3")
        var remote = line
        remote.sshLogin = "2/alice@node1,:"
        #expect(remote.words.contains("--sshlogin") && remote.text.contains(" --sshlogin 2/alice@node1,: --quote "))
    }

    /// What /bin/sh makes of `text`: the words, one per line (printf's arguments).
    static func shellWords(_ text: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "printf '%s\\n' " + text]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .map(String.init)
    }

    static let hostile = "/tmp/it's a \"sweep\" $(touch pwned) `x` 50% & ;|*? {} {#} {=$_=\"pwned\"=} \\n"

    @Test func theShellReadsTheTextBackAsTheWords() throws {
        let line = ParallelCommandLine(
            sweepDirectory: Self.hostile, gscope: Self.hostile + "/gscope", indices: [0, 1], jobs: 1, threads: 3,
            sshLogin: "host with space")
        #expect(try Self.shellWords(line.text) == line.words)
    }

    static var parallelPath: String? {
        ["/usr/bin/parallel", "/usr/local/bin/parallel"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// GNU parallel itself, here and over the stand-in ssh, with the gscope binary and DIR at hostile
    /// paths: each job's stand-in gscope receives `sweep task DIR <index> --threads T` unchanged, every
    /// index once; the job log records one line per job.
    @Test func parallelDeliversTheWordsUnchangedHereAndOverSsh() throws {
        guard let parallel = Self.parallelPath else {
            Issue.record("GNU parallel is missing (`make deps` installs the Debian package `parallel`)")
            return
        }
        let root = temporaryDirectory("parallel-line") + "/it's $HOME \"dir\" `x` 50%"
        let directory = root + "/sweep dir;|& {} {#} {1} {=$_=\"pwned\"=}"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fake = root + "/fake gscope $(false)"
        // Writes its arguments, one per line, to DIR/call-<index>.
        try Data("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$3/call-$4\"\n".utf8)
            .write(to: URL(fileURLWithPath: fake))
        // parallel splits --ssh into words: a plain path. sshd gives the remote command the login
        // shell in SHELL, and parallel's remote wrapper runs the job with it (with SHELL empty it
        // runs nothing and still exits 0), so the stand-in sets it as sshd would.
        let ssh = temporaryDirectory("parallel-ssh") + "/ssh"
        try Data("#!/bin/sh\nshift\n[ \"$1\" = -- ] && shift\nSHELL=/bin/sh exec sh -c \"$*\"\n".utf8)
            .write(to: URL(fileURLWithPath: ssh))
        for path in [fake, ssh] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }

        for sshLogin in [nil, "1/hostA,1/hostB"] {
            for index in 0..<5 { try? FileManager.default.removeItem(atPath: directory + "/call-\(index)") }
            try? FileManager.default.removeItem(atPath: directory + "/parallel.joblog")
            let line = ParallelCommandLine(
                sweepDirectory: directory, gscope: fake, indices: Array(0..<5), jobs: 2, threads: 3, sshLogin: sshLogin)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: parallel)
            // The stand-in ssh goes right after the program name, as a user would add it.
            process.arguments = (sshLogin == nil ? [] : ["--ssh", ssh]) + Array(line.words.dropFirst())
            // Without the caller's SHELL, as under CI: the jobs must not depend on it.
            process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "SHELL" }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(sshLogin ?? "here")")
            for index in 0..<5 {
                let call = try? String(contentsOfFile: directory + "/call-\(index)", encoding: .utf8)
                #expect(call == "sweep\ntask\n\(directory)\n\(index)\n--threads\n3\n", "\(sshLogin ?? "here"), job \(index)")
            }
            let log = try String(contentsOfFile: directory + "/parallel.joblog", encoding: .utf8).split(separator: "\n")
            #expect(log.count == 6, "\(sshLogin ?? "here"): header and one line per job")
        }
    }

    /// The jobs of runs that are no longer finished leave the job log; the header, the other jobs
    /// and lines that do not start with a job number stay.
    @Test func theJobLogLosesTheJobsOfUnfinishedRuns() {
        let log = [
            "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand",
            "1\t:\t1.0\t2.0\t0\t10\t0\t0\tgscope sweep task /d 0 --threads 1",
            "2\t:\t1.0\t2.0\t0\t10\t0\t0\tgscope sweep task /d 1 --threads 1",
            "3\t:\t1.0\t2.0\t0\t10\t1\t0\tgscope sweep task /d 2 --threads 1",
            "continued line", "",
        ]
        let kept = ParallelCommandLine.jobLog(log.joined(separator: "\n"), droppingJobsOf: [1, 7])
        #expect(kept == [log[0], log[1], log[3], log[4], ""].joined(separator: "\n"))
        #expect(ParallelCommandLine.jobLog(log.joined(separator: "\n"), droppingJobsOf: []) == log.joined(separator: "\n"))
    }
}
