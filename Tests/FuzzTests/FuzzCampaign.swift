import Foundation
import NumericCore
import TestSupport

/// A reader under fuzz: a directory of valid seed files, how to mutate one case of it and the
/// cheapest `gscope` command that reads it.
struct FuzzFormat: Sendable {
    /// The format's name in summaries and failure paths (`gguf`, `run-plot`, …).
    var name: String
    /// A directory of valid files; each case starts as a mirror of it (symbolic links).
    var seedDirectory: String
    /// Mutates the case directory `$0` (replacing links by edited files) and returns what it did
    /// and the names of the files it changed (the error message must name one of them).
    var mutate: @Sendable (_ caseDirectory: String, _ rng: inout SplitMix) throws -> (mutation: String, files: [String])
    /// The `gscope` arguments of case `index`.
    var arguments: @Sendable (_ caseDirectory: String, _ index: Int) -> [String]
    /// Outcomes that count as success besides exit 0 (the YAML cases stop on purpose before running).
    var alsoSuccess: @Sendable (_ outcome: ChildOutcome, _ stderr: String) -> Bool = { _, _ in false }
    /// Extra environment of the child (PATH for the plot's gnuplot stand-in).
    var environment: [String: String] = [:]
}

/// How one case ended.
enum Verdict: String, CaseIterable {
    case success = "exit 0", clean = "clean errors", unclean = "unclean errors", crash = "crashes", hang = "hangs"
}

/// One case's record.
struct CaseResult {
    var index: Int
    var mutation: String
    var arguments: [String]
    var outcome: ChildOutcome
    var verdict: Verdict
    var stderrTail: String
    /// Wall-clock seconds of the child (the first run).
    var seconds: Double = 0
}

/// Runs a format's cases, two children at a time, and classifies each: exit 0; a clean error (exit
/// 1 or 2 with a message on stderr naming a changed file or the case directory); an unclean error
/// (any other exit status, or no name); a crash (a signal: trap, abort, segfault); a hang (killed
/// at the time limit). Failing cases are kept under `failureRoot/<format>/case-N` with the command.
struct FuzzCampaign {
    static let gscope = gscopeBinary

    /// Cases per format: `GSCOPE_FUZZ_CASES`, default 300.
    static var casesPerFormat: Int { ProcessInfo.processInfo.environment["GSCOPE_FUZZ_CASES"].flatMap(Int.init) ?? 300 }
    /// The campaign seed: `GSCOPE_FUZZ_SEED`, default 15.
    static var seed: UInt64 { ProcessInfo.processInfo.environment["GSCOPE_FUZZ_SEED"].flatMap(UInt64.init) ?? 15 }
    /// Children at a time: `GSCOPE_FUZZ_JOBS`, default 2.
    static var jobs: Int { max(1, ProcessInfo.processInfo.environment["GSCOPE_FUZZ_JOBS"].flatMap(Int.init) ?? 2) }
    /// Seconds before a case counts as a hang.
    static let timeLimit = 10.0
    /// Address-space limit of a child: far above what any seed needs, far below the machine.
    static let memoryLimitKB = 3 * 1024 * 1024

    /// Where failing cases are kept: `$TMPDIR/gscope-fuzz-failures`.
    static let failureRoot = FileManager.default.temporaryDirectory.appendingPathComponent("gscope-fuzz-failures").path

    /// The child's environment: this one, with `OPENBLAS_CORETYPE` set as gscope would set it
    /// (Haswell, or under `GSCOPE_KERNELS=fastest` the fastest family; docs/kernels.md), so that it
    /// does not re-execute itself, and one BLAS thread.
    /// Swift's backtracer is off (it takes seconds per crash); a crashing case is run once more
    /// with it on, to keep the backtrace.
    static func childEnvironment(_ extra: [String: String], backtrace: Bool = false) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] =
            KernelPolicy.requested(in: env) == .fastest
            ? env["OPENBLAS_CORETYPE"] ?? BLAS.coreTypeForThisCPU() ?? BLAS.coreName : KernelPolicy.pinnedCoreType
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["SWIFT_BACKTRACE"] =
            backtrace ? "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none" : "enable=no"
        for (k, v) in extra { env[k] = v }
        return env
    }

    let format: FuzzFormat
    let workDirectory: String

    /// Builds, runs and classifies case `index`.
    func runCase(_ index: Int) -> CaseResult {
        let dir = workDirectory + "/case-\(index)"
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try! fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Files are linked; a subdirectory (the YAML seed's finished run) is made afresh with its
        // files linked, so that what a case writes there (gscope's lock file) stays in the case.
        for name in (try? fm.contentsOfDirectory(atPath: format.seedDirectory)) ?? [] {
            let source = format.seedDirectory + "/" + name
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
                try! fm.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: false)
                for inner in (try? fm.contentsOfDirectory(atPath: source)) ?? [] where !inner.hasPrefix(".") {
                    try! fm.createSymbolicLink(atPath: dir + "/" + name + "/" + inner, withDestinationPath: source + "/" + inner)
                }
            } else {
                try! fm.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: source)
            }
        }
        var rng = SplitMix(
            seed: Self.seed ^ UInt64(truncatingIfNeeded: format.name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }), case: index)
        let mutation: String, files: [String]
        do { (mutation, files) = try format.mutate(dir, &rng) } catch {
            return CaseResult(
                index: index, mutation: "could not build the case: \(error)", arguments: [], outcome: .exited(-1),
                verdict: .unclean, stderrTail: "")
        }
        let arguments = format.arguments(dir, index)
        let stderrPath = dir + ".stderr"
        let started = Date()
        var outcome = ChildProcess.run(
            Self.gscope, arguments, environment: Self.childEnvironment(format.environment),
            stderrPath: stderrPath, memoryLimitKB: Self.memoryLimitKB, timeLimit: Self.timeLimit)
        let seconds = Date().timeIntervalSince(started)
        if outcome == .timedOut {
            // A busy machine can slow a slow case past the limit: a hang is a case that needs more than three times it.
            outcome = ChildProcess.run(
                Self.gscope, arguments, environment: Self.childEnvironment(format.environment),
                stderrPath: stderrPath, memoryLimitKB: Self.memoryLimitKB, timeLimit: 3 * Self.timeLimit)
        }
        let stderr =
            (try? String(contentsOfFile: stderrPath, encoding: .utf8))
            ?? String(decoding: (fm.contents(atPath: stderrPath) ?? Data()), as: UTF8.self)
        let names = files.map { ($0 as NSString).lastPathComponent } + [dir]
        let verdict: Verdict
        switch outcome {
        case .exited(0): verdict = .success
        case _ where format.alsoSuccess(outcome, stderr): verdict = .success
        case .exited(1), .exited(2): verdict = names.contains { stderr.contains($0) } ? .clean : .unclean
        case .exited: verdict = .unclean
        case .signalled: verdict = .crash
        case .timedOut: verdict = .hang
        }
        var tail = stderr.split(separator: "\n").suffix(4).joined(separator: " | ")
        if verdict == .crash {
            // Once more with the backtracer, for the trap's place in gscope's sources.
            _ = ChildProcess.run(
                Self.gscope, arguments, environment: Self.childEnvironment(format.environment, backtrace: true),
                stderrPath: dir + ".backtrace", memoryLimitKB: Self.memoryLimitKB, timeLimit: 60)
            let backtrace = (try? String(contentsOfFile: dir + ".backtrace", encoding: .utf8)) ?? ""
            tail = Self.crashSite(stderr: stderr, backtrace: backtrace)
        }
        let result = CaseResult(
            index: index, mutation: mutation, arguments: arguments, outcome: outcome, verdict: verdict,
            stderrTail: String(tail.prefix(400)), seconds: seconds)
        if verdict == .success || verdict == .clean {
            try? fm.removeItem(atPath: dir)
            try? fm.removeItem(atPath: stderrPath)
        } else {
            keep(result, caseDirectory: dir, stderrPath: stderrPath)
        }
        return result
    }

    /// The fatal-error message and the innermost frame in gscope's own sources, from a crash's
    /// stderr and its backtrace.
    static func crashSite(stderr: String, backtrace: String) -> String {
        let lines = (stderr + "\n" + backtrace).split(separator: "\n")
        let message = lines.first {
            $0.contains("Fatal error") || $0.contains("failed to allocate") || $0.contains("Program crashed")
        }
        let frame = lines.first { $0.contains("/Sources/") && !$0.contains("[system]") }
            .map { line -> String in
                let marker = line.range(of: " in gscope at ")
                let at = marker.map { String(line[$0.upperBound...]) } ?? String(line)
                let before = marker.map { String(line[..<$0.lowerBound]) } ?? String(line)
                let function = before.split(separator: " ").drop { !$0.hasPrefix("0x") }.dropFirst().joined(separator: " ")
                let source =
                    at.components(separatedBy: "/Sources/").count > 1
                    ? "Sources/" + at.components(separatedBy: "/Sources/").last! : at
                return "\(function) at \(source)"
            }
        return [message.map { String($0) }, frame].compactMap { $0 }.joined(separator: " | ")
    }

    /// Copies a failing case (links resolved) to `failureRoot/<format>/case-N` with its command.
    func keep(_ result: CaseResult, caseDirectory: String, stderrPath: String) {
        let fm = FileManager.default
        let target = Self.failureRoot + "/\(format.name)/case-\(result.index)"
        try? fm.removeItem(atPath: target)
        try? fm.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in (try? fm.contentsOfDirectory(atPath: caseDirectory)) ?? [] {
            let source = caseDirectory + "/" + name
            let resolved = (try? fm.destinationOfSymbolicLink(atPath: source)) ?? source
            try? fm.copyItem(atPath: resolved, toPath: target + "/" + name)
        }
        try? fm.copyItem(atPath: stderrPath, toPath: target + "/stderr.txt")
        try? fm.copyItem(atPath: caseDirectory + ".backtrace", toPath: target + "/backtrace.txt")
        try? fm.removeItem(atPath: caseDirectory + ".backtrace")
        let command = ([Self.gscope] + result.arguments.map { $0.replacingOccurrences(of: caseDirectory, with: target) })
            .map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let note = """
            format: \(format.name)  seed: \(Self.seed)  case: \(result.index)  (GSCOPE_FUZZ_SEED=\(Self.seed))
            mutation: \(result.mutation)
            outcome: \(result.outcome) (\(result.verdict.rawValue))
            command (on the files kept here; the child ran with OPENBLAS_CORETYPE set and an address-space limit of \(Self.memoryLimitKB) KB):
            \(command)

            """
        try? note.write(toFile: target + "/case.txt", atomically: true, encoding: .utf8)
        try? fm.removeItem(atPath: caseDirectory)
    }

    /// Runs every case, `jobs` at a time, and returns the results in case order.
    func run(cases: Int) -> [CaseResult] {
        try? FileManager.default.removeItem(atPath: Self.failureRoot + "/\(format.name)")
        let board = Board(cases: cases)
        DispatchQueue.concurrentPerform(iterations: Self.jobs) { _ in
            while let index = board.take() { board.record(runCase(index)) }
        }
        return board.results
    }

    /// The cases still to run and the results so far, shared by the workers under a lock.
    final class Board: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var slots: [CaseResult?]

        init(cases: Int) { slots = Array(repeating: nil, count: cases) }

        /// The next case to run, or nil when all are taken.
        func take() -> Int? {
            lock.withLock {
                guard next < slots.count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func record(_ result: CaseResult) { lock.withLock { slots[result.index] = result } }

        var results: [CaseResult] { lock.withLock { slots.map { $0! } } }
    }

    /// The summary line of a format.
    static func summary(_ format: String, _ results: [CaseResult], seconds: Double, cpuSeconds: Double) -> String {
        let counts = Verdict.allCases.map { v in "\(results.filter { $0.verdict == v }.count) \(v.rawValue)" }
        let slowest = results.max { $0.seconds < $1.seconds }
        return "fuzz \(format): \(results.count) cases, " + counts.joined(separator: ", ")
            + String(
                format: " (%.1f s, children %.1f CPU s; slowest case %d: %.1f s)", seconds, cpuSeconds,
                slowest?.index ?? -1, slowest?.seconds ?? 0)
    }

    /// One line per failing case: its number, mutation, outcome, command and stderr's tail.
    static func failureLines(_ format: String, _ results: [CaseResult]) -> [String] {
        results.filter { $0.verdict != .success && $0.verdict != .clean }.map { r in
            "\(format) case \(r.index) [\(r.verdict.rawValue), \(r.outcome)]: \(r.mutation)\n    gscope \(r.arguments.joined(separator: " "))\n"
                + "    stderr: \(r.stderrTail)\n    kept in \(failureRoot)/\(format)/case-\(r.index)"
        }
    }
}
