import Datasets
import Experiments
import Foundation
import Model
import Testing
import TestSupport

/// Input validation through the release binary (issue 15, findings 4, 8a, 8c, 9a, 10b): every
/// case ends with one line `gscope: …` and exit 2 (bad input) or 1 (I/O, a NaN model), never a
/// trap, a silent success or an NSError dump. Needs `.build/release/gscope` (`make test` builds it).
@Suite("Input validation through the binary")
struct InputValidationCommandTests {
    static let setup = syntheticRunSetup("input-validation")

    static func requireBinary() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return false
        }
        return true
    }

    /// One line on standard error, starting `gscope: `, and no Foundation dump.
    static func expectOneLine(
        _ run: GscopeRun, status: Int32, containing fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(!run.signalled && run.status == status, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && run.stderr.hasPrefix("gscope: "), "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(
            !run.stderr.contains("Error Domain") && !run.stderr.contains("UserInfo"), "\(run.stderr)",
            sourceLocation: sourceLocation)
        for f in fragments { #expect(run.stderr.contains(f), "'\(run.stderr)' lacks '\(f)'", sourceLocation: sourceLocation) }
    }

    /// Finding 4: a thread count outside 1…256 used to trap (SIGILL) in the worker pool.
    @Test func threadCountsOutOfRangeExit2() throws {
        guard Self.requireBinary() else { return }
        let out = temporaryDirectory("threads")
        let score = try runGscope([
            "score", "--model", Self.setup.checkpoint, "--tokenizer", "byte", "--text", "hello", "--threads", "257",
        ])
        Self.expectOneLine(score, status: 2, containing: ["--threads: must be between 1 and 256, got 257"])
        let unlearn = try runGscope([
            "unlearn", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte",
            "--threads", "300", "--out", out + "/run",
        ])
        Self.expectOneLine(unlearn, status: 2, containing: ["threads: must be between 1 and 256, got 300"])
        #expect(!FileManager.default.fileExists(atPath: out + "/run"))
    }

    /// Finding 8a: `data.max_length: 1` cut every answer away and the run "succeeded" on zero losses.
    @Test func aForgetSetWithoutAnswerTokensRefusesToStart() throws {
        let config = try ExperimentConfig.load(
            yaml: "",
            overrides: [
                "model.checkpoint=\(Self.setup.checkpoint)", "data.dir=\(Self.setup.data)", "data.tokenizer=byte",
                "data.max_length=1", "run.steps=1",
            ])
        #expect {
            _ = try UnlearningExperiment(config: config)
        } throws: { error in
            "\(error)".contains("data.max_length 1 cuts every answer away") && error is DataError
        }
        guard Self.requireBinary() else { return }
        let out = temporaryDirectory("max-length") + "/run"
        let run = try runGscope([
            "unlearn", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte",
            "--steps", "1", "--set", "data.max_length=1", "--out", out,
        ])
        Self.expectOneLine(run, status: 2, containing: ["forget01.json", "max_length"])
        #expect(!FileManager.default.fileExists(atPath: out + "/run.h5"))
    }

    /// Finding 8c: `eval` of a NaN model wrote truth ratios 0.0 that look valid.
    @Test func evalOfANaNModelExits1() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("nan-model")
        let loaded = try Checkpoint.load(from: Self.setup.checkpoint)
        var parameters = loaded.parameters
        for i in stride(from: 0, to: parameters.count, by: 7) { parameters[i] = .nan }
        try Checkpoint.save(config: loaded.config, parameters: parameters, to: root + "/checkpoint")
        let run = try runGscope([
            "eval", "--model", root + "/checkpoint", "--data", Self.setup.data, "--tokenizer", "byte",
            "--no-generate", "--threads", "1", "--out", root + "/eval",
        ])
        Self.expectOneLine(run, status: 1, containing: ["is nan", "NaN or infinity", "nothing was evaluated"])
        #expect(!FileManager.default.fileExists(atPath: root + "/eval/eval.json"))
    }

    /// Finding 10b: an unwritable output printed `Error Domain=NSCocoaErrorDomain Code=… UserInfo={…}`.
    @Test func unwritableOutputsGiveOneReadableLine() throws {
        guard Self.requireBinary() else { return }
        // /dev/null is a file, so nothing can be created under it (also for root).
        let commands: [[String]] = [
            [
                "eval", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte", "--no-generate",
                "--threads", "1", "--out", "/dev/null/eval",
            ],
            [
                "unlearn", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte", "--steps", "1",
                "--threads", "1", "--out", "/dev/null/run",
            ],
            ["data", "synth", "--authors", "10", "--out", "/dev/null/synth"],
        ]
        for arguments in commands {
            let run = try runGscope(arguments)
            #expect(!run.signalled && run.status != 0, "\(arguments[0]): \(run.stderr)")
            let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.hasPrefix("gscope: /dev/null") && !run.stderr.contains("Error Domain"), "\(arguments[0]): \(run.stderr)")
        }
    }

    /// Finding 9a: `data synth --out . --force` deleted the working directory with everything in it.
    @Test func forceNeverReplacesTheWorkingDirectoryOrAForeignOne() throws {
        guard Self.requireBinary() else { return }
        let cwd = temporaryDirectory("synth-cwd")
        let canary = cwd + "/canary.txt"
        try "keep me".write(toFile: canary, atomically: false, encoding: .utf8)
        for out in [".", cwd, cwd + "/sub/.."] {
            let run = try runGscope(["data", "synth", "--authors", "10", "--out", out, "--force"], in: cwd)
            Self.expectOneLine(run, status: 2, containing: ["the working directory", "--force never replaces it"])
            #expect(FileManager.default.fileExists(atPath: canary), "--out \(out) deleted the working directory")
        }
        try FileManager.default.createDirectory(atPath: cwd + "/sub", withIntermediateDirectories: true)
        let parent = try runGscope(["data", "synth", "--authors", "10", "--out", "..", "--force"], in: cwd + "/sub")
        Self.expectOneLine(parent, status: 2, containing: ["a parent of the working directory"])
        #expect(FileManager.default.fileExists(atPath: canary))

        // A directory gscope did not write is refused; one it wrote is replaced.
        let foreign = cwd + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "mine".write(toFile: foreign + "/notes.txt", atomically: false, encoding: .utf8)
        let refused = try runGscope(["data", "synth", "--authors", "10", "--out", foreign, "--force"])
        Self.expectOneLine(refused, status: 2, containing: ["was not generated by gscope", GeneratedDirectory.markerFileName])
        #expect(FileManager.default.fileExists(atPath: foreign + "/notes.txt"))
        let synth = cwd + "/synth"
        for _ in 0..<2 {
            let run = try runGscope(["data", "synth", "--authors", "10", "--out", synth, "--force"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: synth + "/" + GeneratedDirectory.markerFileName))
    }
}
