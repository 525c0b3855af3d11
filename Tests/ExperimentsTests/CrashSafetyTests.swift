import Foundation
import Store
import Testing
import TestSupport

/// A run killed with SIGKILL keeps every step it reported as finished: `gscope unlearn` runs in a
/// child process, is killed once its run file holds three recorded steps, and the file is reopened.
/// Needs the release binary (`make test` builds it first).
@Suite("Crash safety")
struct CrashSafetyTests {
    static let gscope = gscopeBinary

    @Test func aKilledRunKeepsItsFinishedSteps() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.gscope) else {
            Issue.record("\(Self.gscope) is missing: build it first (`make test` does)")
            return
        }
        let setup = UnlearningRunTests.setup, out = temporaryDirectory("crash") + "/run"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.gscope)
        process.arguments = [
            "unlearn", "--model", setup.checkpoint, "--data", setup.data, "--tokenizer", "byte",
            "--forget-split", "forget10", "--steps", "100000", "--threads", "1", "--out", out,
            "--set", "data.max_length=320", "--set", "run.geffect_retain_size=8", "--quiet",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Wait for three finished steps (the file is read without HDF5's lock while it grows).
        let deadline = Date().addingTimeInterval(120)
        var seen = 0
        while seen < 3 {
            guard process.isRunning else {
                Issue.record("gscope unlearn stopped before three steps (status \(process.terminationStatus))")
                return
            }
            guard Date() < deadline else {
                Issue.record("no three steps within 120 s")
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
            seen = (try? H5File.open(out + "/run.h5").root.read("steps", as: Int64.self).values.count) ?? 0
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let root = try H5File.open(out + "/run.h5").root
        let steps = try root.read("steps", as: Int64.self).values
        #expect(steps.count >= 3 && steps == (0..<Int64(steps.count)).map { $0 })
        for name in ["loss/total", "risk/forget/value", "geffect/forget/total", "geffect/retain/total"] {
            let values = try root.read(name, as: Double.self).values
            #expect(values.count >= steps.count && values.prefix(steps.count).allSatisfy(\.isFinite), "\(name)")
        }
        let instance = try root.read("geffect/forget/instance", as: Double.self)
        #expect(
            instance.shape[0] >= steps.count && instance.values.prefix(steps.count * instance.shape[1]).allSatisfy(\.isFinite))
        #expect(try root.read("train/step", as: Int64.self).values.count >= steps.count - 1)
    }
}
