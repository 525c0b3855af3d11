import Foundation
import Store
import Testing
import TestSupport

import Sweeps

/// A 2 × 2 × 2 sweep (NPO and SimNPO × two learning rates × two seeds, 2 steps of a tiny GPT on the
/// synthetic benchmark, one thread) run through GNU parallel and through a real single-node Slurm
/// (`notebooks-scripts/slurm/start.sh`): every run completes with the numbers of the same sweep
/// run by `gscope sweep run --jobs 2`, and `gscope sweep collect` gives the same sweep.h5 bytes.
/// Needs `.build/release/gscope`. Where Slurm cannot start, the Slurm test prints why (start.sh's
/// reason) and returns.
@Suite("Cluster launchers", .serialized)
struct ClusterLaunchTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Every run complete; every run file's compared datasets (losses, risks, G-effects per tensor
    /// and token, weights, update effects, gradient norms) equal to the reference's, bit for bit;
    /// and the collected sweep.h5 equal to the reference's, byte for byte.
    static func expectSameSweep(_ directory: String, in workdir: String, _ launcher: String) throws {
        let states = try SweepTestGrid.statuses(directory)
        #expect(states == Array(repeating: "complete", count: 8), "\(launcher): \(states)")
        let reference = try SweepTestGrid.reference.get()
        #expect(try SweepTestGrid.differences(directory, from: reference.directory) == [], "\(launcher)")
        let mine = try SweepTestGrid.collected(directory, in: workdir)
        #expect(
            mine == reference.sweepFile,
            "\(launcher): sweep.h5 (\(mine.count) bytes) differs from sweep run's (\(reference.sweepFile.count) bytes)")
    }

    static var binaryIsThere: Bool {
        if FileManager.default.isExecutableFile(atPath: gscopeBinary) { return true }
        Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
        return false
    }

    @Test func gnuParallelRunsTheSweep() throws {
        guard Self.binaryIsThere else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/parallel") else {
            Issue.record("GNU parallel is missing (`make deps` installs the Debian package `parallel`)")
            return
        }
        let (workdir, directory) = try SweepTestGrid.plannedSweep("parallel")
        let printed = try runGscope(["sweep", "parallel", directory, "--jobs", "2", "--threads", "1"], in: workdir)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.hasPrefix("parallel --jobs 2 --joblog ") && printed.stdout.hasSuffix(" ::: 0 1 2 3 4 5 6 7\n"))
        let ran = try runGscope(["sweep", "parallel", directory, "--jobs", "2", "--threads", "1", "--run"], in: workdir)
        #expect(ran.status == 0, "sweep parallel --run: \(ran.stderr)")
        #expect(ran.stdout.contains("8 of 8 runs are finished."), "\(ran.stdout)")
        let log = try String(contentsOfFile: directory + "/parallel.joblog", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 9, "the job log: a header and one line per run")
        try Self.expectSameSweep(directory, in: workdir, "parallel")

        // A run file removed after parallel recorded its job as done: the next --run redoes that run.
        let runFiles = try SweepTestGrid.runFiles(directory)
        try FileManager.default.removeItem(atPath: runFiles[5])
        let again = try runGscope(["sweep", "parallel", directory, "--jobs", "2", "--threads", "1", "--run"], in: workdir)
        #expect(again.status == 0 && again.stdout.contains("8 of 8 runs are finished."), "\(again.stdout)\n\(again.stderr)")
        #expect(again.stdout.components(separatedBy: ": missing; running").count == 2, "only run 5 ran again: \(again.stdout)")
        try Self.expectSameSweep(directory, in: workdir, "parallel, resumed")
    }

    /// start.sh's outcome: whether Slurm is up, why not, and whether this test started it.
    struct SlurmStart {
        let up: Bool
        let startedHere: Bool
        let output: String
    }

    /// Runs start.sh. Through `MeasuredChild` (posix_spawn and wait4 on its pid), not Foundation's
    /// `Process`: once, `Process.waitUntilExit` never returned here after start.sh had exited (its
    /// SIGCHLD was missed and the shell stayed a zombie).
    static func startSlurm() throws -> SlurmStart {
        // A test installs nothing: without slurm-wlm and munge, start.sh says so and the test is skipped.
        setenv("GSCOPE_SLURM_INSTALL", "0", 1)
        let log = temporaryDirectory("slurm-start") + "/start.log"
        let usage = try MeasuredChild.run("/bin/bash", [repository + "/notebooks-scripts/slurm/start.sh"], log: log)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return SlurmStart(up: usage.exitStatus == 0, startedHere: !output.contains("already running"), output: output)
    }

    static func stopSlurm() throws {
        _ = try MeasuredChild.run(
            "/bin/bash", [repository + "/notebooks-scripts/slurm/stop.sh"], log: temporaryDirectory("slurm-stop") + "/stop.log")
    }

    /// A real single-node Slurm: first a script with a hostile directory (quotes, spaces, `$( )`,
    /// `%`) through the real sbatch, then the sweep as a job array with its limits measured.
    @Test func aSlurmJobArrayRunsTheSweep() throws {
        guard Self.binaryIsThere else { return }
        let slurm = try Self.startSlurm()
        guard slurm.up else {
            print("Slurm test skipped: Slurm cannot start here. notebooks-scripts/slurm/start.sh said:\n\(slurm.output)")
            return
        }
        defer { if slurm.startedHere { try? Self.stopSlurm() } }
        setenv(
            "SLURM_CONF", ProcessInfo.processInfo.environment["GSCOPE_SLURM_DIR", default: "/tmp/gscope-slurm"] + "/slurm.conf", 1
        )
        try Self.hostilePathThroughSbatch()

        let (workdir, directory) = try SweepTestGrid.plannedSweep("slurm")
        let submitted = try runGscope(["sweep", "slurm", directory, "--threads", "1", "--submit", "--wait"], in: workdir)
        #expect(submitted.status == 0, "sweep slurm --submit --wait: \(submitted.stderr)")
        print("gscope sweep slurm --submit --wait:\n\(submitted.stdout)")
        let script = try String(contentsOfFile: directory + "/slurm/sweep.sbatch", encoding: .utf8)
        #expect(script.contains("#SBATCH --array=0-7\n") && script.contains("#SBATCH --cpus-per-task=1\n"))
        // --time and --mem from the measured run: 2 × wall + 60 s in whole minutes, 1.5 × peak RSS.
        let measurement = try JSONDecoder().decode(
            RunMeasurement.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/slurm/measure.json")))
        let limits = SlurmLimits(measured: measurement)
        #expect(measurement.peakResidentKiB > 0 && measurement.wallSeconds > 0)
        #expect(script.contains("#SBATCH --time=\(limits.timeMinutes)\n#SBATCH --mem=\(limits.memoryMB)M\n"), "\(script)")
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory + "/slurm/logs")
        #expect(logs.count == 8, "one log per array task: \(logs)")
        try Self.expectSameSweep(directory, in: workdir, "slurm")

        // Resubmitting a finished sweep submits nothing.
        let again = try runGscope(["sweep", "slurm", directory, "--submit"], in: workdir)
        #expect(again.status == 0 && again.stdout.contains("are finished; nothing to run"), "\(again.stdout)")
    }

    /// A script whose directory, working directory and binary sit at hostile paths, through the
    /// real sbatch: the task log lands at the path written (the `%` of the directory is not a
    /// pattern) and the stand-in binary starts in the working directory with its words unchanged.
    static func hostilePathThroughSbatch() throws {
        let directory = temporaryDirectory("slurm-hostile") + "/it's a \"sweep\" $(touch pwned) `x` 50%A {}"
        let workdir = directory + "/work dir"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let fake = directory + "/fake gscope"
        try Data("#!/bin/sh\npwd\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n".utf8).write(to: URL(fileURLWithPath: fake))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let script = SlurmScript(
            jobName: "it's a \"job\"", indices: [3], maxParallel: nil, sweepDirectory: directory, workdir: workdir, gscope: fake,
            cpusPerTask: 1, limits: SlurmLimits(timeMinutes: 1, memoryMB: 50), limitsSource: "given")
        try FileManager.default.createDirectory(atPath: script.logDirectory, withIntermediateDirectories: true)
        try Data(try script.text().utf8).write(to: URL(fileURLWithPath: directory + "/sweep.sbatch"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--wait", "--quiet", directory + "/sweep.sbatch"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let logs = try FileManager.default.contentsOfDirectory(atPath: script.logDirectory)
        #expect(logs.count == 1 && logs.first?.hasSuffix("_3.out") == true, "\(logs)")
        let text = try String(contentsOfFile: script.logDirectory + "/" + (logs.first ?? ""), encoding: .utf8)
        #expect(text == "\(workdir)\nsweep\ntask\n\(directory)\n3\n--threads\n1\n")
        #expect(!FileManager.default.fileExists(atPath: workdir + "/pwned"))
    }
}
