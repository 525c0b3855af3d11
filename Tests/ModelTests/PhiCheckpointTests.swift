import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// Phi checkpoints (Hugging Face's layout and config.json), read through `Checkpoint.loadModel`;
/// variants gscope does not compute and sizes the weights cannot hold are refused naming the file
/// and the key; the frozen reference is a forward-only copy.
@Suite("Phi checkpoints")
struct PhiCheckpointTests {
    static func savedPhi(_ label: String, seed: UInt64 = 1) throws -> (dir: String, model: Phi) {
        let model = try randomPhi(PhiGradientTests.grouped, seed: seed)
        let dir = temporaryDirectory("phi-\(label)")
        try model.saveCheckpoint(to: dir)
        return (dir, model)
    }

    static func configJSON(_ dir: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as? [String: Any]
        )
    }

    /// The saved directory's config.json with the keys of `extra` (a JSON object's text) merged in.
    static func edit(_ dir: String, _ extra: String) throws {
        var config = try configJSON(dir)
        let keys = try #require(try JSONSerialization.jsonObject(with: Data("{\(extra)}".utf8)) as? [String: Any])
        config.merge(keys) { _, new in new }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
    }

    @Test func saveAndLoadGiveTheSameModel() throws {
        let (dir, model) = try Self.savedPhi("checkpoint")
        let loaded = try #require(try Checkpoint.loadModel(from: dir) as? Phi)
        #expect(loaded.config == model.config)
        #expect(loaded.parameters.array == model.parameters.array)
        // transformers reads the sizes under its own keys and picks PhiForCausalLM.
        let json = try Self.configJSON(dir)
        #expect(json["model_type"] as? String == "phi")
        #expect(json["architectures"] as? [String] == ["PhiForCausalLM"])
        #expect(json["num_key_value_heads"] as? Int == 2 && json["hidden_act"] as? String == "gelu_new")
        #expect(json["tie_word_embeddings"] as? Bool == false && json["qk_layernorm"] as? Bool == false)
        let rope = try #require(json["rope_parameters"] as? [String: Any])
        #expect(rope["partial_rotary_factor"] as? Double == 0.4 && rope["rope_theta"] as? Double == 30_000)
        #expect(
            model.configurationJSON
                == String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json")), as: UTF8.self))
        let weights = try SafetensorsFile.read(dir + "/model.safetensors")
        #expect(Set(weights.names) == Set(model.layout.slots.map(\.name)))
        #expect(weights.names.contains("lm_head.bias") && weights.names.contains("model.final_layernorm.bias"))
    }

    @Test func copiesAndTheFrozenReference() throws {
        let model = try randomPhi(.tiny, seed: 3)
        let copy = try model.copy()
        #expect(copy.parameters.array == model.parameters.array)
        copy.parameters.base[0] += 1
        #expect(copy.parameters.base[0] != model.parameters.base[0])
        try FrozenCopyTests.check(model, vocab: PhiConfig.tiny.vocabSize)
    }

    @Test(arguments: [
        (#""hidden_act": "gelu""#, "hidden_act"),
        (#""qk_layernorm": true"#, "qk_layernorm"),
        (#""tie_word_embeddings": true"#, "tie_word_embeddings"),
        (#""head_dim": 6"#, "head_dim"),
        (#""rope_scaling": {"type": "linear", "factor": 2.0}"#, "rope_scaling"),
        (#""rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 30000.0}"#, "rope_parameters"),
    ])
    func aVariantIsRefusedNamingTheKey(_ extra: String, _ key: String) throws {
        let (dir, _) = try Self.savedPhi("variant")
        try Self.edit(dir, extra)
        do {
            _ = try Checkpoint.loadModel(from: dir)
            Issue.record("\(key) was loaded")
        } catch {
            #expect("\(error)".contains(dir + "/config.json: \(key): "), "\(error)")
        }
    }

    /// The same keys at values that change nothing load as before, and so does transformers 4's
    /// spelling of the rotary settings (top level, `rope_scaling` null, no `rope_parameters`).
    @Test func neutralValuesLoad() throws {
        let (dir, model) = try Self.savedPhi("neutral")
        try Self.edit(
            dir,
            #""rope_scaling": null, "qk_layernorm": false, "tie_word_embeddings": false, "head_dim": 10, "hidden_act": "gelu_new""#
        )
        var json = try Self.configJSON(dir)
        json["rope_parameters"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let (config, parameters) = try Checkpoint.loadPhi(from: dir)
        #expect(config == model.config && parameters == model.parameters.array)
    }

    @Test func aConfigClaimingTooMuchIsRefusedNamingTheKey() throws {
        for (key, value) in [("num_hidden_layers", 1_000_000_000), ("hidden_size", 1 << 31), ("intermediate_size", 1 << 40)] {
            let (dir, _) = try Self.savedPhi("claimed")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try Self.edit(dir, "\"\(key)\": \(value)")
            ClaimedSizesTests.expectRefusal(dir + "/config.json", "\(key) is \(value)") {
                _ = try Checkpoint.loadModel(from: dir)
            }
        }
        var huge = PhiConfig.tiny
        huge.ffnHidden = 1 << 62
        #expect(huge.checkedParameterCount.value == nil)
        #expect(throws: ModelError.self) { try huge.validate() }
    }

    @Test func wrongShapesAndTypesAreRefused() throws {
        let (dir, _) = try Self.savedPhi("shapes")
        var config = PhiGradientTests.grouped
        config.nLayer = 4
        try Data(Checkpoint.phiConfigJSON(config).utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try Checkpoint.loadModel(from: dir) } throws: {
            "\($0)".contains("missing 14 tensor(s)") && "\($0)".contains("model.layers.3.")
        }
        config = PhiGradientTests.grouped
        config.ffnHidden = 40
        try Data(Checkpoint.phiConfigJSON(config).utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try Checkpoint.loadModel(from: dir) } throws: {
            "\($0)".contains("'model.layers.0.mlp.fc1.weight' has shape [44, 60]") && "\($0)".contains("implies [40, 60]")
        }
        try Self.edit(dir, #""model_type": "llama""#)
        #expect { try Checkpoint.loadPhi(from: dir) } throws: { "\($0)".contains("model_type is 'llama'") }
        try Self.edit(dir, #""model_type": "phi", "partial_rotary_factor": 0.3, "rope_parameters": null"#)
        #expect { try Checkpoint.loadModel(from: dir) } throws: {
            "\($0)".hasPrefix(dir + "/config.json: ") && "\($0)".contains("partial_rotary_factor 0.3")
        }
    }
}
