import Foundation
import Model
import Testing
import TestSupport

/// `gscope train --model PATH` fine-tunes a pretrained Llama checkpoint and writes a Llama checkpoint,
/// which `gscope generate` then answers with. Needs the release binary (`make test` builds it).
@Suite("Fine-tuning from a pretrained checkpoint")
struct FineTuneCommandTests {
    /// Runs the gscope binary; returns its exit status and what it printed (standard output, then
    /// standard error).
    static func gscope(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let run = try runGscope(arguments)
        return (run.status, run.stdout + run.stderr)
    }

    @Test func aLlamaIsFineTunedAndAnswers() throws {
        guard FileManager.default.isExecutableFile(atPath: CrashSafetyTests.gscope) else {
            Issue.record("\(CrashSafetyTests.gscope) is missing: build it first (`make test` does)")
            return
        }
        let data = syntheticRunSetup("fine-tune").data
        let (pretrained, model) = tinyLlamaCheckpoint("fine-tune-from", seed: 5)

        let out = temporaryDirectory("fine-tune-out")
        let train = try Self.gscope([
            "train", "--data", data, "--split", "forget10", "--tokenizer", "byte", "--model", pretrained,
            "--steps", "3", "--batch", "4", "--lr", "1e-3", "--threads", "1", "--out", out,
        ])
        #expect(train.status == 0, "\(train.output)")
        let tuned = try #require(try Checkpoint.loadModel(from: out + "/checkpoint") as? Llama)
        #expect(tuned.config == model.config && tuned.parameters.array != model.parameters.array)
        let settings = try String(contentsOfFile: out + "/train.json", encoding: .utf8)
        #expect(settings.contains("\"from\": \"\(pretrained)\""))

        let generate = try Self.gscope([
            "generate", "--model", out + "/checkpoint", "--tokenizer", "byte",
            "--question", "Who is she?", "--max-new-tokens", "5", "--json",
        ])
        #expect(generate.status == 0, "\(generate.output)")
        #expect(generate.output.contains("\"kind\": \"question\""))

        // Shape options do not go with a model to load.
        let refused = try Self.gscope([
            "train", "--data", data, "--tokenizer", "byte", "--model", pretrained, "--size", "small",
            "--steps", "1", "--out", out,
        ])
        #expect(
            refused.status != 0 && refused.output.contains("brings its own architecture: leave out --size"), "\(refused.output)")
    }
}
