import Model
import NumericCore
import Testing
import TestSupport

/// The frozen reference θ_o is a forward-only copy: the same parameters and the same forward
/// bits (loss, logits and every block's output, which RMU reads), and no gradient buffer (one
/// model's worth of memory less per run with a reference; a frozen Llama's blocks also share
/// their activation buffers).
@Suite("Frozen copies")
struct FrozenCopyTests {
    static func check<M: CausalLanguageModel>(_ model: M, vocab: Int) throws {
        let frozen = try model.frozenCopy()
        #expect(frozen.gradients.count == 0 && model.gradients.count == model.parameters.count)
        #expect(frozen.parameters.array == model.parameters.array)
        let tokens: [Int32] = (0..<12).map { Int32($0 * 7 % vocab) }
        let targets: [Int32] = (0..<12).map { Int32(($0 * 7 + 3) % vocab) }
        let mask = [Float](repeating: 1, count: 12)
        let a = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: 2, seq: 6)
        let b = try frozen.forward(tokens: tokens, targets: targets, mask: mask, batch: 2, seq: 6)
        #expect(a.bitPattern == b.bitPattern, "the same loss, bit for bit")
        #expect(BitComparison(Array(frozen.logits), Array(model.logits)).identical)
        for l in 0..<model.blockCount {
            let c = BitComparison(Array(frozen.hiddenState(afterBlock: l)), Array(model.hiddenState(afterBlock: l)))
            #expect(c.identical, "block \(l): \(c)")
        }
    }

    @Test func aFrozenGPTIsTheSameModelWithoutGradients() throws {
        let model = try GPT(config: GPTConfig(nLayer: 2, nHead: 2, nEmbd: 8, vocabSize: 11, blockSize: 6))
        var rng = RNG(seed: 3)
        model.initializeGPT2(rng: &rng)
        try Self.check(model, vocab: 11)
    }

    @Test func aFrozenLlamaIsTheSameModelWithoutGradients() throws {
        try Self.check(try LlamaCheckpointTests.randomLlama(), vocab: LlamaConfig.tiny.vocabSize)
    }
}
