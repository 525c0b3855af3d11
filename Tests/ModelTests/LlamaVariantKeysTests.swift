import Foundation
import Model
import Testing
import TestSupport

/// Llama `config.json` variant keys (Llama 3's `rope_scaling`, another `head_dim`, biased
/// projections) load into a model that computes them; at values that change nothing they load as
/// before. (What gscope does not compute is refused: `LlamaFamilyParityTests`.)
@Suite("Llama variant keys")
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

    /// Keys gscope computes now load into a model that has them.
    @Test func computedVariantKeysLoad() throws {
        let extra =
            #""rope_scaling": {"rope_type": "linear", "factor": 2.0}, "head_dim": 4, "attention_bias": true, "mlp_bias": true"#
        let dir = try Self.checkpoint(with: extra, label: "computed")
        // The saved tensors lack the biases and have q_proj of head size 8: the weights disagree.
        #expect { try Checkpoint.loadLlama(from: dir) } throws: { "\($0)".contains(dir) }
        var config = LlamaConfig.tiny
        config.headDim = 4; config.qkvBias = true; config.outputBias = true; config.mlpBias = true
        config.ropeScaling = .linear(factor: 2)
        let model = try randomLlama(config, seed: 3)
        let saved = temporaryDirectory("llama-variant-saved")
        try model.saveCheckpoint(to: saved)
        let (loaded, parameters) = try Checkpoint.loadLlama(from: saved)
        #expect(loaded == config && parameters == model.parameters.array)
    }

    /// The same keys at values that change nothing load as before.
    @Test func neutralValuesLoad() throws {
        let headDim = LlamaConfig.tiny.nEmbd / LlamaConfig.tiny.nHead
        let extra = #""rope_scaling": null, "attention_bias": false, "mlp_bias": false, "head_dim": \#(headDim)"#
        let (_, parameters) = try Checkpoint.loadLlama(from: try Self.checkpoint(with: extra, label: "neutral"))
        #expect(parameters == (try LlamaCheckpointTests.randomLlama()).parameters.array)
    }
}
