import Foundation
import Model
import Testing
import TestSupport

/// SmolLM2-135M-Instruct exported by transformers from its GGUF file to a Hugging Face directory
/// (`notebooks-scripts/parity/smollm2_hf_export.py`, written to models/SmolLM2-135M-Instruct-hf):
/// gscope loads the directory and gives the same per-token log-probabilities as its own GGUF load
/// (≤ 1e-5 absolute), and those of transformers on the exported directory (the committed
/// `hf_logprobs.json`, ≤ 1e-3 as the GGUF parity test). Runs only when both the GGUF file and the
/// exported directory exist: they are not committed, so CI skips it.
@Suite("SmolLM2 exported to a Hugging Face directory")
struct SmolLM2HFExportTests {
    struct Fixture: Decodable {
        struct Case: Decodable { var text: String; var token_ids: [Int32]; var logprobs: [Double] }
        var cases: [Case]
    }

    /// `models/SmolLM2-135M-Instruct-hf` beside the GGUF file, if exported.
    static var exportDirectory: String? {
        guard let gguf = FixturePaths.smolLM2Model else { return nil }
        let dir = URL(fileURLWithPath: gguf).deletingLastPathComponent().appendingPathComponent("SmolLM2-135M-Instruct-hf").path
        guard FileManager.default.fileExists(atPath: dir + "/config.json") else {
            print("note: \(dir) is missing (run notebooks-scripts/parity/smollm2_hf_export.py); SmolLM2 export test skipped")
            return nil
        }
        return dir
    }

    /// log p(token t | tokens < t) for t ≥ 1 of `ids`.
    static func logProbabilities(_ model: any CausalLanguageModel, _ ids: [Int32]) throws -> [Double] {
        let T = ids.count
        let targets = Array(ids.dropFirst()) + [-1]
        _ = try model.forward(tokens: ids, targets: targets, mask: (0..<T).map { $0 < T - 1 ? 1 : 0 }, batch: 1, seq: T)
        return (0..<(T - 1)).map { Double(model.targetLogProbs[$0]) }
    }

    @Test(.enabled(if: SmolLM2HFExportTests.exportDirectory != nil))
    func exportedDirectoryMatchesTheGGUF() throws {
        let dir = Self.exportDirectory!, gguf = FixturePaths.smolLM2Model!
        let fixture = try JSONDecoder().decode(
            Fixture.self,
            from: Data(contentsOf: URL(fileURLWithPath: FixturePaths.root + "/parity/smollm2/hf_logprobs.json")))
        let fromDirectory = try Checkpoint.loadModel(from: dir)
        let fromGGUF = try Checkpoint.loadModel(from: gguf, contextLength: fromDirectory.contextLength)
        #expect(fromDirectory.parameterCount == fromGGUF.parameterCount)
        var worstGGUF = 0.0, worstTransformers = 0.0
        for c in fixture.cases {
            let a = try Self.logProbabilities(fromDirectory, c.token_ids)
            let b = try Self.logProbabilities(fromGGUF, c.token_ids)
            worstGGUF = max(worstGGUF, zip(a, b).map { abs($0 - $1) }.max() ?? 0)
            worstTransformers = max(worstTransformers, zip(a, c.logprobs).map { abs($0 - $1) }.max() ?? 0)
        }
        print(
            "SmolLM2 HF directory: worst |Δ log p| \(worstGGUF) against gscope's GGUF load, \(worstTransformers) against transformers"
        )
        #expect(worstGGUF <= 1e-5)
        #expect(worstTransformers <= 1e-3)
    }
}
