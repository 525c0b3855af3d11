import Model
import NumericCore

/// A GPT with random non-trivial parameters: weights of std 0.3, biases of std 0.1, LayerNorm
/// gains around 1 — attention far from uniform, logits far from flat, every gradient non-zero.
package func randomGPT(_ config: GPTConfig, seed: UInt64) throws -> GPT {
    var rng = RNG(seed: seed)
    let gpt = try GPT(config: config)
    for slot in gpt.layout.slots {
        let isGain = slot.name.contains("ln_") && slot.name.hasSuffix(".weight")
        let v = randomFloats(slot.count, std: slot.name.hasSuffix(".bias") ? 0.1 : 0.3, mean: isGain ? 1 : 0, rng: &rng)
        for i in 0..<slot.count { gpt.parameters[slot.offset + i] = v[i] }
    }
    return gpt
}

/// A Llama with random non-trivial parameters: matrices of std 0.2, RMSNorm gains 1 + N(0, 0.1²)
/// — attention far from uniform, logits far from flat, every gradient non-zero.
package func randomLlama(_ config: LlamaConfig, seed: UInt64) throws -> Llama {
    var rng = RNG(seed: seed)
    let model = try Llama(config: config)
    for slot in model.layout.slots {
        let v = randomFloats(slot.count, std: slot.isMatrix ? 0.2 : 0.1, mean: slot.isMatrix ? 0 : 1, rng: &rng)
        for i in 0..<slot.count { model.parameters[slot.offset + i] = v[i] }
    }
    return model
}
