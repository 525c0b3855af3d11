import Model
import NumericCore

/// A GPT with random non-trivial parameters: weights of std 0.3, biases of std 0.1, LayerNorm
/// gains around 1 — attention far from uniform, logits far from flat, every gradient non-zero.
public func randomGPT(_ config: GPTConfig, seed: UInt64) throws -> GPT {
    var rng = RNG(seed: seed)
    let gpt = try GPT(config: config)
    for slot in gpt.layout.slots {
        let isGain = slot.name.contains("ln_") && slot.name.hasSuffix(".weight")
        let v = randomFloats(slot.count, std: slot.name.hasSuffix(".bias") ? 0.1 : 0.3, mean: isGain ? 1 : 0, rng: &rng)
        for i in 0..<slot.count { gpt.parameters[slot.offset + i] = v[i] }
    }
    return gpt
}
