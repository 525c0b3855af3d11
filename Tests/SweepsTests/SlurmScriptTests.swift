import Foundation
import Testing
import TestSupport

import Sweeps

/// The sbatch script of `gscope sweep slurm`: its text for a given set of runs, the limits from a
/// measured run, and hostile paths that both of its readers (sbatch's `#SBATCH` reader and the
/// shell) must take as written.
@Suite("Slurm script")
struct SlurmScriptTests {
    static func script(
        indices: [Int] = [0, 1, 2, 3, 5, 7, 8, 9], maxParallel: Int? = 2, directory: String = "/data/sweeps/markov",
        workdir: String = "/home/me/gscope", gscope: String = "/opt/gscope/bin/gscope", partition: String? = nil
    ) -> SlurmScript {
        SlurmScript(
            jobName: "markov", indices: indices, maxParallel: maxParallel, sweepDirectory: directory, workdir: workdir,
            gscope: gscope, cpusPerTask: 2, limits: SlurmLimits(timeMinutes: 3, memoryMB: 225),
            limitsSource: "measured", partition: partition)
    }

    @Test func theTextForAGivenSetOfRuns() throws {
        let text = try Self.script(partition: "short").text()
        #expect(
            text == """
                #!/bin/sh
                # Written by `gscope sweep slurm`: a Slurm job array over the unfinished runs of a sweep;
                # array task i runs manifest entry i (`gscope sweep task DIR i`, which skips a finished run).
                # Submit with `sbatch` (or `gscope sweep slurm DIR --submit`). Logs: one file per task below.
                # --time and --mem: measured
                #SBATCH --job-name=markov
                #SBATCH --array=0-3,5,7-9%2
                #SBATCH --output=/data/sweeps/markov/slurm/logs/%A_%a.out
                #SBATCH --cpus-per-task=2
                #SBATCH --time=3
                #SBATCH --mem=225M
                #SBATCH --partition=short
                cd /home/me/gscope || exit 1
                exec /opt/gscope/bin/gscope sweep task /data/sweeps/markov "$SLURM_ARRAY_TASK_ID" --threads "$SLURM_CPUS_PER_TASK"

                """)
        #expect(try !Self.script(maxParallel: nil).text().contains("%2"))
    }

    @Test func arrayRangesAreSortedAndCompressed() {
        #expect(SlurmScript.ranges([]) == "")
        #expect(SlurmScript.ranges([4]) == "4")
        #expect(SlurmScript.ranges([9, 0, 1, 2, 4, 4, 6, 7]) == "0-2,4,6-7,9")
    }

    /// time = ⌈(2·wall + 60) / 60⌉ min, memory = ⌈1.5·peak / 1024⌉ MB.
    @Test func limitsFromAMeasuredRun() {
        let measured = RunMeasurement(config: "configs/a.yaml", threads: 1, wallSeconds: 12.5, peakResidentKiB: 100_000)
        #expect(SlurmLimits(measured: measured) == SlurmLimits(timeMinutes: 2, memoryMB: 147))   // 85 s; 146.48 MB
        let exact = RunMeasurement(config: "c", threads: 1, wallSeconds: 60, peakResidentKiB: 2048)
        #expect(SlurmLimits(measured: exact) == SlurmLimits(timeMinutes: 3, memoryMB: 3))   // 180 s; 3 MB
    }

    @Test func theMeasurementCacheRoundTripsAndIsKeyedByConfigAndThreads() throws {
        let directory = temporaryDirectory("slurm-measure")
        let path = RunMeasurement.cachePath(in: directory)
        try FileManager.default.createDirectory(atPath: directory + "/slurm", withIntermediateDirectories: true)
        let measured = RunMeasurement(config: "configs/0000-x.yaml", threads: 2, wallSeconds: 0.1 + 0.2, peakResidentKiB: 4321)
        try Data(measured.jsonText.utf8).write(to: URL(fileURLWithPath: path))
        #expect(
            measured.jsonText
                == #"{"config":"configs/0000-x.yaml","threads":2,"wall_seconds":0.30000000000000004,"peak_rss_kib":4321}"# + "\n")
        #expect(RunMeasurement.cached(at: path, config: "configs/0000-x.yaml", threads: 2) == measured)
        #expect(RunMeasurement.cached(at: path, config: "configs/0000-x.yaml", threads: 1) == nil)
        #expect(RunMeasurement.cached(at: path, config: "configs/0001-y.yaml", threads: 2) == nil)
        #expect(RunMeasurement.cached(at: directory + "/none.json", config: "configs/0000-x.yaml", threads: 2) == nil)
    }

    /// The words of an `#SBATCH` line as sbatch's reader takes them (Slurm 22.05
    /// `src/sbatch/opt.c`, `_get_argument`): whitespace separates, `'…'` and `"…"` group, a
    /// backslash escapes the next character (also between quotes), an unquoted `#` ends the line.
    static func sbatchWords(_ line: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                word.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
                inWord = true
            } else if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == "#" {
                break
            } else if c.isWhitespace {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    static let hostileDirectory = "/tmp/it's a \"sweep\" $(touch pwned) `x` 50%A & ;|*?"

    /// A directory with quotes, spaces, `$( )`, backquotes, `%` and glob characters: sbatch's reader
    /// gets the output pattern with `%` doubled and the array placeholders intact.
    @Test func hostilePathsReachSbatchAsWritten() throws {
        let text = try Self.script(directory: Self.hostileDirectory).text()
        let directives = text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }.map {
            Self.sbatchWords(String($0.dropFirst("#SBATCH ".count)))
        }
        #expect(directives.allSatisfy { $0.count == 1 }, "\(directives)")
        #expect(directives.contains(["--output=/tmp/it's a \"sweep\" $(touch pwned) `x` 50%%A & ;|*?/slurm/logs/%A_%a.out"]))
        for bad in ["a\\b", "a\nb"] {
            #expect(throws: LaunchError.self) { try Self.script(directory: bad).text() }
        }
        #expect(throws: LaunchError.notWritableInSbatchLine(option: "--partition", value: "p\\q")) {
            try Self.script(partition: "p\\q").text()
        }
    }

    /// The shell part, run by /bin/sh with a stand-in gscope at a hostile path: it starts in the
    /// workdir and receives `sweep task DIR <task id> --threads <cpus>`, every word unchanged.
    @Test func hostilePathsReachTheTaskAsWritten() throws {
        let root = temporaryDirectory("slurm-script") + "/it's $HOME \"dir\" `x`"
        let workdir = root + "/work dir;|&"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        let fake = root + "/fake gscope $(false)"
        try Data("#!/bin/sh\npwd > \"$0.out\"\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$0.out\"\n".utf8)
            .write(to: URL(fileURLWithPath: fake))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake)
        let scriptPath = root + "/sweep.sbatch"
        try Data(try Self.script(directory: Self.hostileDirectory, workdir: workdir, gscope: fake).text().utf8)
            .write(to: URL(fileURLWithPath: scriptPath))

        // Exit 126 is "Text file busy": a child another test forked at the moment the stand-in was
        // written still holds the written descriptor until it execs. That passes; try again.
        var status: Int32 = 126
        for _ in 0..<20 where status == 126 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = [scriptPath]
            process.environment = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_CPUS_PER_TASK": "2", "PATH": "/usr/bin:/bin"]
            try process.run()
            process.waitUntilExit()
            status = process.terminationStatus
            if status == 126 { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(status == 0)
        let lines = try String(contentsOfFile: fake + ".out", encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == [Substring(workdir), "sweep", "task", Substring(Self.hostileDirectory), "5", "--threads", "2", ""])
        #expect(!FileManager.default.fileExists(atPath: workdir + "/pwned"))
    }
}

/// The measured child behind `--time` and `--mem`: its exit status or signal, its output in the
/// log, its wall time, and its peak resident memory (a shell holding a 30 MB string).
@Suite("Measured child")
struct MeasuredChildTests {
    @Test func statusSignalLogAndPeakMemory() throws {
        let directory = temporaryDirectory("measured-child")
        let log = directory + "/log"
        let exited = try MeasuredChild.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], log: log)
        #expect(exited.exitStatus == 3 && exited.signal == nil && exited.ending == "exited with status 3")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "out\nerr\n")
        let killed = try MeasuredChild.run("/bin/sh", ["-c", "kill -9 $$"], log: log)
        #expect(killed.exitStatus == nil && killed.signal == 9 && killed.ending == "was ended by signal 9")
        let big = try MeasuredChild.run(
            "/bin/sh", ["-c", "x=$(head -c 30000000 /dev/zero | tr '\\0' a); echo ${#x}; sleep 0.2"], log: log)
        let output = try String(contentsOfFile: log, encoding: .utf8)
        #expect(big.exitStatus == 0 && output == "30000000\n")
        #expect(big.peakResidentKiB > 30_000_000 / 1024, "peak \(big.peakResidentKiB) KiB")
        #expect(big.wallSeconds > 0)
        #expect(throws: LaunchError.self) { try MeasuredChild.run(directory + "/none", [], log: log) }
    }
}
