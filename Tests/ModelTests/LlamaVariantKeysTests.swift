import Foundation
import Model
import Testing
import TestSupport

/// A Llama `config.json` that asks for something gscope does not compute yet (Llama 3's
/// `rope_scaling`, another `head_dim`, biased projections) is refused, naming the file and the
/// key, instead of loading the weights into another model.
@Suite("Llama variants gscope does not compute yet")
struct LlamaVariantKeysTests {
    /// A saved random Llama whose config.json gets the keys of `extra` (a JSON object's text),
    /// replacing the ones it has.
    static func checkpoint(with extra: String, label: String) throws -> String {
        let model = try LlamaCheckpointTests.randomLlama()
        let dir = temporaryDirectory("llama-variant-\(label)")
        try model.saveCheckpoint(to: dir)
        let path = dir + "/config.json"
        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let keys = try #require(try JSONSerialization.jsonObject(with: Data("{\(extra)}".utf8)) as? [String: Any])
        config.merge(keys) { _, new in new }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return dir
    }

    @Test(arguments: [
        (#""rope_scaling": {"rope_type": "llama3", "factor": 32.0}"#, "rope_scaling"),
        (#""head_dim": 4"#, "head_dim"),
        (#""attention_bias": true"#, "attention_bias"),
        (#""mlp_bias": true"#, "mlp_bias"),
    ])
    func isRefusedNamingTheKey(_ extra: String, _ key: String) throws {
        let dir = try Self.checkpoint(with: extra, label: key)
        do {
            _ = try Checkpoint.loadLlama(from: dir)
            Issue.record("\(key) was loaded")
        } catch {
            #expect("\(error)".contains(dir + "/config.json: \(key): "), "\(error)")
        }
    }

    /// The same keys at values that change nothing load as before.
    @Test func neutralValuesLoad() throws {
        let headDim = LlamaConfig.tiny.nEmbd / LlamaConfig.tiny.nHead
        let extra = #""rope_scaling": null, "attention_bias": false, "mlp_bias": false, "head_dim": \#(headDim)"#
        let (_, parameters) = try Checkpoint.loadLlama(from: try Self.checkpoint(with: extra, label: "neutral"))
        #expect(parameters == (try LlamaCheckpointTests.randomLlama()).parameters.array)
    }
}
