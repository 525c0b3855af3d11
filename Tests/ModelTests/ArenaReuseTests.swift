import Model
import NumericCore
import Testing
import TestSupport

/// A pass that fits in the activation arena of a larger earlier pass (`ArenaSlot`) computes the
/// same bits as in an arena of its own: logits, gradients and forward-mode tangents.
@Suite("Activation arenas reused across batch shapes")
struct ArenaReuseTests {
    /// Logits, gradients and the tangent of the target log-probabilities of one (B,T) pass with a
    /// random direction, after `before` passes of other shapes on the same model.
    static func pass(
        _ model: any CausalLanguageModel, B: Int, T: Int, before: [(B: Int, T: Int)], seed: UInt64
    ) throws -> [(name: String, values: [Double])] {
        var rng = RNG(seed: seed)
        for s in before {
            let tokens = (0..<(s.B * s.T)).map { _ in Int32(rng.below(model.vocabSize)) }
            try model.forward(tokens: tokens, targets: tokens, mask: .init(repeating: 1, count: s.B * s.T), batch: s.B, seq: s.T)
            _ = model.directionalDerivative(along: randomFloats(model.parameterCount, rng: &rng))
        }
        var data = RNG(seed: seed + 1)
        let tokens = (0..<(B * T)).map { _ in Int32(data.below(model.vocabSize)) }
        let targets = tokens.map { ($0 + 1) % Int32(model.vocabSize) }
        let mask = [Float](repeating: 1, count: B * T)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
        let logits = Array(model.logits).map(Double.init)
        let tangent = model.directionalDerivative(along: randomFloats(model.parameterCount, rng: &data)).targetLogProbs
        model.zeroGradients()
        model.nllLogitGradient(coefficients: mask.map { $0 / Float(B * T) }, into: model.logitGradientScratch.baseAddress!)
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        return [("logits", logits), ("tangent", tangent.map(Double.init)), ("gradients", model.gradients.array.map(Double.init))]
    }

    static func differences(_ make: () throws -> any CausalLanguageModel) throws -> [String] {
        // (2,5) fits in the (3,7) arena; (3,6) then (2,7) settle on a (3,7) one.
        let cases: [[(B: Int, T: Int)]] = [[(3, 7)], [(3, 6), (2, 7)]]
        let alone = try pass(make(), B: 2, T: 5, before: [], seed: 7)
        return try cases.flatMap { before in
            zip(try pass(make(), B: 2, T: 5, before: before, seed: 7), alone).compactMap { mine, theirs in
                let c = BitComparison(mine.values, theirs.values)
                return c.identical ? nil : "\(mine.name) after \(before): \(c)"
            }
        }
    }

    @Test func gpt() throws {
        let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, vocabSize: 19, blockSize: 8)
        let messages = try Self.differences { try randomGPT(config, seed: 3) }
        #expect(messages.isEmpty, "\(messages)")
    }

    /// An arena reserved for a larger pass (`reserveActivations`) holds no pass until the next
    /// one runs, and the pass computes the same bits in it as in an arena of its own.
    @Test func aReservedArenaHoldsNoPassAndChangesNoBits() throws {
        let config = LlamaConfig(
            nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 48, vocabSize: 40,
            blockSize: 8, ropeBase: 100_000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let model = try randomLlama(config, seed: 3)
        let tokens = [Int32](repeating: 1, count: 10), mask = [Float](repeating: 1, count: 10)
        try model.forward(tokens: tokens, targets: tokens, mask: mask, batch: 2, seq: 5)
        #expect(model.lastForwardRan(tokens: tokens, targets: tokens, mask: mask, batch: 2, seq: 5, scope: .all))
        model.reserveActivations(batch: 3, seq: 7)
        #expect(!model.lastForwardRan(tokens: tokens, targets: tokens, mask: mask, batch: 2, seq: 5, scope: .all))
        let reserved = try Self.pass(model, B: 2, T: 5, before: [], seed: 7)
        let alone = try Self.pass(randomLlama(config, seed: 3), B: 2, T: 5, before: [], seed: 7)
        for (mine, theirs) in zip(reserved, alone) {
            let c = BitComparison(mine.values, theirs.values)
            #expect(c.identical, "\(mine.name): \(c)")
        }
    }

    @Test func llama() throws {
        let config = LlamaConfig(
            nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 48, vocabSize: 40,
            blockSize: 8, ropeBase: 100_000, rmsNormEps: 1e-5, tiedEmbeddings: true)
        let messages = try Self.differences { try randomLlama(config, seed: 3) }
        #expect(messages.isEmpty, "\(messages)")
    }
}
