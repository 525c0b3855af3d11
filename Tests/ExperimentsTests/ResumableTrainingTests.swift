import Foundation
import Testing
import TestSupport

/// `gscope train --save-every N [--time-limit S]`: a run stopped at its snapshots and started again
/// ends with the same bytes as a run never stopped. Needs the release binary (`make test` builds it).
@Suite("Resumable training")
struct ResumableTrainingTests {
    /// A QA fine-tune of a tiny GPT and a Markov pre-training, each 6 steps.
    static func arguments(_ kind: String) -> [String] {
        switch kind {
        case "qa":
            [
                "--data", syntheticRunSetup("resume-train").data, "--split", "forget10", "--tokenizer", "byte",
                "--size", "tiny", "--block-size", "320", "--steps", "6", "--batch", "4", "--lr", "1e-3",
                "--schedule", "linear", "--warmup", "2",
            ]
        default: ["--markov", "A", "--steps", "6", "--batch", "8", "--n-layer", "1", "--n-embd", "32", "--n-head", "2"]
        }
    }

    @Test(arguments: ["qa", "markov"])
    func aStoppedRunEndsAsOneNeverStopped(_ kind: String) throws {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return
        }
        let base = ["train"] + Self.arguments(kind) + ["--threads", "1"]
        let straight = temporaryDirectory("train-straight"), stopped = temporaryDirectory("train-stopped")
        let whole = try runGscope(base + ["--out", straight])
        #expect(whole.status == 0, "\(whole.stderr)")

        // --time-limit 0 stops at every snapshot: after steps 2 and 4 (exit 75), then finishes.
        let resumable = base + ["--save-every", "2", "--time-limit", "0", "--out", stopped]
        for (sitting, expected) in [(1, Int32(75)), (2, 75), (3, 0)] {
            let run = try runGscope(resumable)
            #expect(run.status == expected, "sitting \(sitting): \(run.stdout)\(run.stderr)")
            let exists = FileManager.default.fileExists(atPath: stopped + "/resume/state.safetensors")
            #expect(exists == (expected == 75), "sitting \(sitting): OUT/resume")
            #expect(FileManager.default.fileExists(atPath: stopped + "/checkpoint") == (expected == 0))
            if sitting > 1 { #expect(run.stdout.contains("resuming after step \(2 * (sitting - 1)) of 6")) }
        }
        for file in ["checkpoint/model.safetensors", "losses.tsv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(straight)/\(file)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(stopped)/\(file)"))
            #expect(a == b, "\(kind): \(file) differs between the stopped run and the straight one")
        }
        let settings = try String(contentsOfFile: stopped + "/train.json", encoding: .utf8)
        #expect(settings.contains("\"resumed_after_step\": 4"))

        // A snapshot of other settings is refused, and the directory left as it was.
        let other = temporaryDirectory("train-other")
        #expect(try runGscope(base + ["--save-every", "3", "--time-limit", "0", "--out", other]).status == 75)
        let refused = try runGscope(base.map { $0 == "6" ? "7" : $0 } + ["--save-every", "3", "--out", other])
        #expect(refused.status != 0 && refused.stderr.contains("a snapshot of a run with other settings"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other + "/checkpoint"))
    }

    @Test func theOptionsAreChecked() throws {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else { return }
        let out = temporaryDirectory("train-options")
        let noSave = try runGscope(["train"] + Self.arguments("markov") + ["--time-limit", "10", "--out", out])
        #expect(noSave.status != 0 && noSave.stderr.contains("--time-limit goes with --save-every"), "\(noSave.stderr)")
        let bigram = try runGscope(["train", "--steps", "2", "--save-every", "1", "--out", out])
        #expect(bigram.status != 0 && bigram.stderr.contains("not resumable"), "\(bigram.stderr)")
    }
}
