import Datasets
import Foundation
import Model
import Testing
import TestSupport

/// SmolLM2-135M-Instruct loaded from its GGUF file (`LlamaGGUF.load`) against Hugging Face
/// transformers loading the same file: the tokenizer's ids exactly, and every per-token
/// log-probability to 1e-3 absolute (issue 8). Runs when `make model` has fetched the file.
@Suite("SmolLM2 against transformers")
struct SmolLM2ParityTests {
    struct Fixture: Decodable {
        struct Case: Decodable { var text: String; var token_ids: [Int32]; var logprobs: [Double] }
        var cases: [Case]
    }

    @Test(.enabled(if: FixturePaths.smolLM2Model != nil))
    func logProbabilitiesMatchTransformers() throws {
        let path = FixturePaths.smolLM2Model!
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: FixturePaths.paritySmolLM2)))
        let tokenizer = try loadTokenizer(path)
        let model = try LlamaGGUF.load(path, contextLength: 128)
        #expect(model.config.nLayer == 30 && model.config.nHead == 9 && model.config.nKVHead == 3 && model.config.tiedEmbeddings)
        var worst = 0.0
        for c in fixture.cases {
            #expect(tokenizer.encode(c.text) == c.token_ids, "\(c.text)")
            let ids = c.token_ids, T = ids.count
            let targets = Array(ids.dropFirst()) + [-1]
            try model.forward(tokens: ids, targets: targets, mask: (0..<T).map { $0 < T - 1 ? 1 : 0 }, batch: 1, seq: T)
            let logp = model.targetLogProbs
            for t in 0..<(T - 1) { worst = max(worst, abs(Double(logp[t]) - c.logprobs[t])) }
        }
        print("SmolLM2 vs transformers: worst log-probability difference \(worst) over \(fixture.cases.count) texts")
        #expect(worst <= 1e-3)
    }
}
