import Foundation
import NumericCore
import Testing
import TestSupport
import Model

/// Llama checkpoints (Hugging Face's layout and config.json) and `Checkpoint.loadModel`, which
/// reads a GPT or a Llama directory, or a GGUF file.
@Suite struct LlamaCheckpointTests {
    static func randomLlama(seed: UInt64 = 1) throws -> Llama {
        let model = try Llama(config: .tiny)
        var rng = RNG(seed: seed)
        model.initializeLlama(rng: &rng, std: 0.3)
        return model
    }

    @Test func saveAndLoadGiveTheSameModel() throws {
        let dir = temporaryDirectory("llama-checkpoint")
        let model = try Self.randomLlama()
        try model.saveCheckpoint(to: dir)
        let loaded = try Checkpoint.loadModel(from: dir)
        let llama = try #require(loaded as? Llama)
        #expect(llama.config == model.config)
        #expect(llama.parameters.array == model.parameters.array)
        // transformers reads the sizes under its own keys and picks LlamaForCausalLM.
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        #expect(json["model_type"] as? String == "llama")
        #expect(json["architectures"] as? [String] == ["LlamaForCausalLM"])
        #expect(json["num_key_value_heads"] as? Int == LlamaConfig.tiny.nKVHead)
        #expect(json["tie_word_embeddings"] as? Bool == true)
        #expect(
            model.configurationJSON
                == String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json")), as: UTF8.self))
        // The tied head has no tensor of its own, as in transformers' files.
        let names = try SafetensorsFile.read(dir + "/model.safetensors").names
        #expect(!names.contains("lm_head.weight") && names.count == model.layout.slots.count)
    }

    @Test func anUntiedHeadIsSavedToo() throws {
        var config = LlamaConfig.tiny
        config.tiedEmbeddings = false
        let model = try Llama(config: config)
        var rng = RNG(seed: 2)
        model.initializeLlama(rng: &rng)
        let dir = temporaryDirectory("llama-untied")
        try model.saveCheckpoint(to: dir)
        let (loaded, parameters) = try Checkpoint.loadLlama(from: dir)
        #expect(loaded.tiedEmbeddings == false && parameters == model.parameters.array)
    }

    @Test func aCopyIsIndependent() throws {
        let model = try Self.randomLlama()
        let copy = try model.copy()
        #expect(copy.parameters.array == model.parameters.array)
        copy.parameters.base[0] += 1
        #expect(copy.parameters.base[0] != model.parameters.base[0])
    }

    @Test func loadModelTellsTheArchitecturesApart() throws {
        let dir = temporaryDirectory("gpt-checkpoint")
        let config = GPTConfig(nLayer: 1, nHead: 2, nEmbd: 8, vocabSize: 11, blockSize: 6)
        try Checkpoint.save(config: config, parameters: [Float](repeating: 0.5, count: config.parameterLayout().count), to: dir)
        #expect(try Checkpoint.loadModel(from: dir) is GPT)

        try Data("{\"model_type\": \"mamba\"}\n".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try Checkpoint.loadModel(from: dir) } throws: {
            "\($0)".hasSuffix(
                "config.json: model_type \"mamba\" is not an architecture gscope computes (it reads gpt2, gpt, llama, mistral, qwen2, phi, markov-reference)"
            )
        }
        try Data("{\"hidden_size\": 8}\n".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try Checkpoint.loadModel(from: dir) } throws: { "\($0)".contains("config.json: has no \"model_type\"") }
        #expect { try Checkpoint.loadModel(from: dir + "/nothing-here") } throws: {
            "\($0)".contains("no such checkpoint directory")
        }
        #expect { try Checkpoint.loadModel(from: dir + "/config.json") } throws: {
            "\($0)".contains("not a checkpoint directory")
        }
    }

    @Test func aLlamaConfigWithTheWrongShapesIsRefused() throws {
        let dir = temporaryDirectory("llama-bad")
        try Self.randomLlama().saveCheckpoint(to: dir)
        var config = LlamaConfig.tiny
        config.nLayer = 3
        try Data(Checkpoint.llamaConfigJSON(config).utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        #expect { try Checkpoint.loadModel(from: dir) } throws: {
            "\($0)".contains("missing 9 tensor(s)") && "\($0)".contains("model.layers.2.")
        }
    }
}
