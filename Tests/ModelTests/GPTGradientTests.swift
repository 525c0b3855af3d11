import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The whole Float32 model against the Float64 reference: logits and loss, and every parameter's
/// gradient against central finite differences of the reference loss.
@Suite("GPT forward/backward against Float64 finite differences")
struct GPTGradientTests {
    // Three blocks (one per layer group), a head size of 6 and a width of 12 (SIMD tails).
    static let config = GPTConfig(nLayer: 3, nHead: 2, nEmbd: 12, vocabSize: 19, blockSize: 8)
    static let B = 2, T = 7

    static func model(seed: UInt64) throws -> GPT { try randomGPT(config, seed: seed) }

    static func batch(seed: UInt64) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        var rng = RNG(seed: seed)
        let N = B * T, V = config.vocabSize
        let tokens = (0..<N).map { _ in Int32(rng.below(V)) }
        var targets = (0..<N).map { _ in Int32(rng.below(V)) }
        // Row 0: a 2-token "question" then answer tokens; row 1 right-padded after 5 tokens.
        var mask = [Float](repeating: 1, count: N)
        mask[0] = 0; mask[1] = 0
        mask[T + 5] = 0; mask[T + 6] = 0; targets[T + 6] = -1
        return (tokens, targets, mask)
    }

    @Test func forwardMatchesReference() throws {
        let gpt = try Self.model(seed: 11)
        let (tokens, targets, mask) = Self.batch(seed: 12)
        let loss = try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let ref = Ref.gpt(Self.config, gpt.parameters.array.doubles, tokens: tokens, B: Self.B, T: Self.T)
        #expect(relativeError(Array(gpt.logits), ref.logits) < 1e-6)
        let refLoss = Ref.loss(logits: ref.logits, targets: targets, mask: mask, V: Self.config.vocabSize)
        #expect(abs(loss - refLoss) / refLoss < 1e-6)
        // Per-token target log-probabilities and log-normalisers, the objectives' inputs.
        let V = Self.config.vocabSize
        let logSoftmax = Ref.logSoftmax(ref.logits, N: tokens.count, V: V)
        for n in tokens.indices {
            let expected = targets[n] >= 0 ? logSoftmax[n * V + Int(targets[n])] : 0
            #expect(abs(Double(gpt.targetLogProbs[n]) - expected) < 1e-5)
            #expect(abs(Double(gpt.logSumExp[n]) - (ref.logits[n * V] - logSoftmax[n * V])) < 1e-5)
        }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let gpt = try Self.model(seed: 21)
        let (tokens, targets, mask) = Self.batch(seed: 22)
        gpt.zeroGradients()
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let dlogits = gpt.logitGradientScratch
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: dlogits.baseAddress!)
        gpt.backward(logitGradient: dlogits.baseAddress!)

        let p0 = gpt.parameters.array.doubles
        let fd = finiteDifferenceGradient(p0) { p in
            Ref.loss(
                logits: Ref.gpt(Self.config, p, tokens: tokens, B: Self.B, T: Self.T).logits,
                targets: targets, mask: mask, V: Self.config.vocabSize)
        }
        let grads = gpt.gradients.array
        for slot in gpt.layout.slots {
            let err = relativeError(Array(grads[slot.range]), Array(fd[slot.range]))
            #expect(err < 1e-4, "\(slot.name): relative error \(err)")
        }
        #expect(relativeError(grads, fd) < 2e-5)
    }

    /// The input side of the tied embedding's gradient (`inputEmbeddingGradient`) is the gradient
    /// through the input lookup alone; the rest of `wte.weight`'s gradient is the head's.
    @Test func tiedEmbeddingInputSide() throws {
        let gpt = try Self.model(seed: 41)
        let (tokens, targets, mask) = Self.batch(seed: 42)
        let V = Self.config.vocabSize, C = Self.config.nEmbd
        gpt.inputEmbeddingGradient = FloatBuffer(count: V * C)
        gpt.zeroGradients()
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: gpt.logitGradientScratch.baseAddress!)
        gpt.backward(logitGradient: gpt.logitGradientScratch.baseAddress!)
        let p = gpt.parameters.array.doubles, wte = gpt.layout["wte.weight"]!
        let fd = finiteDifferenceGradient(Array(p[wte.range])) { e in
            let r = Ref.gpt(Self.config, p, tokens: tokens, B: Self.B, T: Self.T, inputEmbedding: e)
            return Ref.loss(logits: r.logits, targets: targets, mask: mask, V: V)
        }
        #expect(relativeError(gpt.inputEmbeddingGradient!.array, fd) < 2e-5)
        #expect(relativeError(gpt.inputEmbeddingGradient!.array, Array(gpt.gradients.array[wte.range]).doubles) > 1e-2)
    }

    /// RMU-style: a gradient G injected on the residual stream after block 1 must equal the
    /// gradient of `loss + Σ G ⊙ h₁`.
    @Test func residualGradientInjection() throws {
        let gpt = try Self.model(seed: 31)
        let (tokens, targets, mask) = Self.batch(seed: 32)
        var rng = RNG(seed: 33)
        let g = randomFloats(Self.B * Self.T * Self.config.nEmbd, rng: &rng)
        gpt.zeroGradients()
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        #expect(
            relativeError(
                Array(gpt.hiddenState(afterBlock: 1)),
                Ref.gpt(Self.config, gpt.parameters.array.doubles, tokens: tokens, B: Self.B, T: Self.T).hidden[1]) < 1e-6)
        let dlogits = gpt.logitGradientScratch
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: dlogits.baseAddress!)
        g.withUnsafeBufferPointer {
            gpt.backward(
                logitGradient: dlogits.baseAddress!,
                residualGradients: [.init(block: 1, gradient: $0.baseAddress!)])
        }
        let fd = finiteDifferenceGradient(gpt.parameters.array.doubles) { p in
            let r = Ref.gpt(Self.config, p, tokens: tokens, B: Self.B, T: Self.T)
            return Ref.loss(logits: r.logits, targets: targets, mask: mask, V: Self.config.vocabSize)
                + zip(r.hidden[1], g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(relativeError(gpt.gradients.array, fd) < 2e-5)
    }

    @Test func gradientsAccumulateAcrossBackwardPasses() throws {
        let gpt = try Self.model(seed: 41)
        let (tokens, targets, mask) = Self.batch(seed: 42)
        gpt.zeroGradients()
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let d = gpt.logitGradientScratch.baseAddress!
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: d)
        gpt.backward(logitGradient: d)
        let once = gpt.gradients.array
        gpt.backward(logitGradient: d)
        #expect(relativeError(gpt.gradients.array, once.map { 2 * Double($0) }) < 1e-6)
    }

    @Test func badInputIsRejected() throws {
        let gpt = try Self.model(seed: 51)
        #expect(throws: ModelError.self) {
            try gpt.forward(tokens: [0, 19], targets: [1, 1], mask: [1, 1], batch: 1, seq: 2)   // token ≥ vocab
        }
        #expect(throws: ModelError.self) {
            try gpt.forward(tokens: [0, 1], targets: [1, -1], mask: [1, 1], batch: 1, seq: 2)   // −1 target counted
        }
        #expect(throws: ModelError.self) {
            try gpt.forward(
                tokens: [Int32](repeating: 0, count: 9), targets: [Int32](repeating: 0, count: 9),
                mask: [Float](repeating: 1, count: 9), batch: 1, seq: 9)   // T > block size
        }
        #expect(throws: ModelError.self) {
            try GPT(config: GPTConfig(nLayer: 1, nHead: 5, nEmbd: 12, vocabSize: 4, blockSize: 4))
        }
    }

    @Test func layerGroupsFollowThePaper() {
        #expect((0..<32).map { LayerGroup.ofBlock($0, nLayer: 32) }.filter { $0 == .shallow }.count == 11)
        #expect((0..<32).map { LayerGroup.ofBlock($0, nLayer: 32) }.filter { $0 == .middle }.count == 11)
        #expect((0..<4).map { LayerGroup.ofBlock($0, nLayer: 4) } == [.shallow, .shallow, .middle, .deep])
        let layout = GPTConfig.tiny.parameterLayout()
        #expect(layout["wte.weight"]?.group == .tied)
        #expect(layout["wpe.weight"]?.group == .embed)
        #expect(layout["ln_f.bias"]?.group == .deep)
        #expect(layout.slots.last!.range.upperBound == layout.count)
        #expect(layout.blockCount == 4)
    }
}

/// The parallel paths (matrix products cut into pieces, attention heads spread over workers)
/// compute every number exactly as the serial path does, at any worker count and with other
/// processes competing for the cores. Sizes are large enough for cutting products.
@Suite("Parallel execution", .serialized)
struct ParallelExecutionTests {
    @Test func everyWorkerCountGivesTheSameBits() throws {
        let differences = try withCPUBurners(2) {
            try differencesAcrossWorkerCounts {
                let config = GPTConfig(nLayer: 2, nHead: 4, nEmbd: 128, vocabSize: 300, blockSize: 64)
                let B = 4, T = 64
                var rng = RNG(seed: 61)
                let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let targets = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let mask = [Float](repeating: 1, count: B * T)
                var initRNG = RNG(seed: 62)
                let gpt = try GPT(config: config)
                gpt.initializeGPT2(rng: &initRNG)
                gpt.zeroGradients()
                let loss = try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
                let d = gpt.logitGradientScratch.baseAddress!
                gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: d)
                gpt.backward(logitGradient: d)
                return [("loss", [loss]), ("logits", Array(gpt.logits).doubles), ("gradients", gpt.gradients.array.doubles)]
            }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// A sequence's logits are the same bits whatever batch it is in (alone, or third of four):
    /// the reference model's cached log-probabilities then equal the current model's at θ_o, and
    /// what is measured never changes what is trained.
    @Test func aSequenceGivesTheSameBitsInAnyBatch() throws {
        let config = GPTConfig(nLayer: 2, nHead: 4, nEmbd: 128, vocabSize: 300, blockSize: 64)
        var rng = RNG(seed: 63)
        let gpt = try GPT(config: config)
        gpt.initializeGPT2(rng: &rng)
        let alone = try thirdSequenceAloneAgainstInBatch(gpt, T: 40, vocabSize: config.vocabSize, rng: &rng)
        #expect(alone.identical, "\(alone)")
    }
}
