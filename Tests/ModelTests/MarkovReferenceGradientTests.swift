import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// SimNPO's reference Markov model (`MarkovReference`) against the Float64 reference
/// (`Ref.markovReference`): logits, loss, hidden states, and the gradient of every parameter tensor
/// against central finite differences of the reference loss, on sampled coordinates of each tensor.
@Suite("Reference Markov model forward/backward against Float64 finite differences")
struct MarkovReferenceGradientTests {
    /// Odd sizes for the SIMD tails: 3 blocks (one per layer group) of 12, 7 states, LayerNorm
    /// ε 1e−3 (so that ε is seen).
    static let odd = MarkovReferenceConfig(nLayer: 3, nEmbd: 12, vocabSize: 7, blockSize: 8, layerNormEps: 1e-3)
    /// The paper's kind: 2 blocks of 16, 10 states, ε 1e−5.
    static let markovLike = MarkovReferenceConfig(nLayer: 2, nEmbd: 16, vocabSize: 10, blockSize: 8)
    static let B = 2, T = 8

    /// Markov-shaped rows: row 0 whole, row 1 a sequence of 5 inputs right-padded (input 0,
    /// target −1, mask 0), and one more masked position in row 0.
    static func batch(_ config: MarkovReferenceConfig, seed: UInt64) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        var rng = RNG(seed: seed)
        let N = B * T, V = config.vocabSize
        var tokens = (0..<N).map { _ in Int32(rng.below(V)) }
        var targets = (0..<N).map { _ in Int32(rng.below(V)) }
        var mask = [Float](repeating: 1, count: N)
        mask[2] = 0
        for t in 5..<T { tokens[T + t] = 0; targets[T + t] = -1; mask[T + t] = 0 }
        return (tokens, targets, mask)
    }

    static func referenceLoss(
        _ config: MarkovReferenceConfig, _ p: [Double], _ batch: (tokens: [Int32], targets: [Int32], mask: [Float])
    ) -> Double {
        Ref.loss(
            logits: Ref.markovReference(config, p, tokens: batch.tokens, B: B, T: T).logits,
            targets: batch.targets, mask: batch.mask, V: config.vocabSize)
    }

    /// Forward, NLL logit gradient, backward: the gradient of the mean NLL in `gradients`.
    @discardableResult
    static func meanNLLGradient(_ model: MarkovReference, _ batch: (tokens: [Int32], targets: [Int32], mask: [Float]))
        throws -> Double
    {
        model.zeroGradients()
        let loss = try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: B, seq: T)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: batch.mask), into: d)
        model.backward(logitGradient: d)
        return loss
    }

    @Test(arguments: [odd, markovLike])
    func forwardMatchesReference(config: MarkovReferenceConfig) throws {
        let model = try randomMarkovReference(config, seed: 11)
        let (tokens, targets, mask) = Self.batch(config, seed: 12)
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let p = model.parameters.array.doubles
        let ref = Ref.markovReference(config, p, tokens: tokens, B: Self.B, T: Self.T)
        let logitErr = relativeError(Array(model.logits), ref.logits)
        print("reference Markov model logits vs Float64 reference (\(config.nLayer)×\(config.nEmbd)): \(logitErr)")
        #expect(logitErr < 1e-6)
        let refLoss = Ref.loss(logits: ref.logits, targets: targets, mask: mask, V: config.vocabSize)
        #expect(abs(loss - refLoss) / refLoss < 1e-6)
        let V = config.vocabSize
        let logSoftmax = Ref.logSoftmax(ref.logits, N: tokens.count, V: V)
        for n in tokens.indices {
            let expected = targets[n] >= 0 ? logSoftmax[n * V + Int(targets[n])] : 0
            #expect(abs(Double(model.targetLogProbs[n]) - expected) < 1e-5)
            #expect(abs(Double(model.logSumExp[n]) - (ref.logits[n * V] - logSoftmax[n * V])) < 1e-5)
        }
        for l in 0..<config.nLayer {
            #expect(relativeError(Array(model.hiddenState(afterBlock: l)), ref.hidden[l]) < 1e-6)
        }
        // The tolerance sees ε, the positions and the head's bias: the reference with another ε,
        // without positions or without the bias is far off.
        var otherEps = config
        otherEps.layerNormEps = 0.1
        #expect(
            relativeError(Array(model.logits), Ref.markovReference(otherEps, p, tokens: tokens, B: Self.B, T: Self.T).logits)
                > 1e-3)
        for name in ["transformer.wpe.weight", "output_layer.bias"] {
            var without = p
            for i in model.layout[name]!.range { without[i] = 0 }
            let r = Ref.markovReference(config, without, tokens: tokens, B: Self.B, T: Self.T)
            #expect(relativeError(Array(model.logits), r.logits) > 1e-3, "\(name)")
        }
    }

    /// 24 sampled coordinates of every tensor.
    @Test(arguments: [odd, markovLike])
    func gradientsMatchFiniteDifferences(config: MarkovReferenceConfig) throws {
        let model = try randomMarkovReference(config, seed: 21)
        let batch = Self.batch(config, seed: 22)
        try Self.meanNLLGradient(model, batch)
        let p0 = model.parameters.array.doubles, grads = model.gradients.array
        var rng = RNG(seed: 23)
        var all: [Float] = [], allFD: [Double] = []
        var worst = (name: "", error: 0.0)
        for slot in model.layout.slots {
            var indices = sampleIndices(slot.range, count: 24, rng: &rng)
            if slot.name == "embedding.weight" {
                // The embedding has gradient only on the batch's tokens: sample one of their rows.
                let row = Int(batch.tokens[3]) * config.nEmbd
                indices = Array(slot.offset + row..<(slot.offset + row + config.nEmbd))
            }
            let fd = finiteDifferenceGradient(p0, at: indices) { Self.referenceLoss(config, $0, batch) }
            let analytic = indices.map { grads[$0] }
            #expect(fd.contains { $0 != 0 }, "\(slot.name): finite differences all zero")
            let err = relativeError(analytic, fd)
            #expect(err < 1e-4, "\(slot.name): relative error \(err)")
            if err > worst.error { worst = (slot.name, err) }
            all += analytic
            allFD += fd
        }
        let total = relativeError(all, allFD)
        print(
            "reference Markov model gradients vs finite differences (\(config.nLayer)×\(config.nEmbd)): all sampled \(total), worst tensor \(worst.name) \(worst.error)"
        )
        #expect(total < 2e-5)
    }

    /// The head is never tied, so the input side of the embedding's gradient
    /// (`inputEmbeddingGradient`) is the whole embedding gradient, and that is the finite
    /// difference through the input lookup.
    @Test func inputEmbeddingGradientIsTheEmbeddingsGradient() throws {
        let config = Self.markovLike
        let model = try randomMarkovReference(config, seed: 41)
        let batch = Self.batch(config, seed: 42)
        let V = config.vocabSize, C = config.nEmbd
        model.inputEmbeddingGradient = FloatBuffer(count: V * C)
        try Self.meanNLLGradient(model, batch)
        let p = model.parameters.array.doubles, embedding = model.layout["embedding.weight"]!
        #expect(model.inputEmbeddingGradient!.array == Array(model.gradients.array[embedding.range]))
        let fd = finiteDifferenceGradient(Array(p[embedding.range])) { e in
            let r = Ref.markovReference(config, p, tokens: batch.tokens, B: Self.B, T: Self.T, inputEmbedding: e)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: V)
        }
        let err = relativeError(model.inputEmbeddingGradient!.array, fd)
        print("reference Markov model input-side embedding gradient vs finite differences: \(err)")
        #expect(err < 2e-5)
    }

    /// RMU-style: a gradient G injected on the residual stream after block 1 must equal the
    /// gradient of `loss + Σ G ⊙ h₁`.
    @Test func residualGradientInjection() throws {
        let config = Self.odd
        let model = try randomMarkovReference(config, seed: 31)
        let batch = Self.batch(config, seed: 32)
        var rng = RNG(seed: 33)
        let g = randomFloats(Self.B * Self.T * config.nEmbd, rng: &rng)
        model.zeroGradients()
        try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: Self.B, seq: Self.T)
        let dlogits = model.logitGradientScratch
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: batch.mask), into: dlogits.baseAddress!)
        g.withUnsafeBufferPointer {
            model.backward(
                logitGradient: dlogits.baseAddress!, residualGradients: [ResidualGradient(block: 1, gradient: $0.baseAddress!)])
        }
        let p0 = model.parameters.array.doubles, grads = model.gradients.array
        var indices: [Int] = []
        for slot in model.layout.slots where slot.name != "embedding.weight" {
            indices += sampleIndices(slot.range, count: 8, rng: &rng)
        }
        let fd = finiteDifferenceGradient(p0, at: indices) { p in
            let r = Ref.markovReference(config, p, tokens: batch.tokens, B: Self.B, T: Self.T)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: config.vocabSize)
                + zip(r.hidden[1], g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let err = relativeError(indices.map { grads[$0] }, fd)
        print("reference Markov model gradient with a residual gradient after block 1 vs finite differences: \(err)")
        #expect(err < 2e-5)
        // Block 2's tensors do not see the injected gradient: compare against the plain loss.
        let plain = try MarkovReference(config: config, parameters: model.parameters.array)
        try Self.meanNLLGradient(plain, batch)
        let block2 = model.layout.slots.filter { $0.block == 2 }.flatMap { Array($0.range) }
        #expect(block2.allSatisfy { plain.gradients[$0] == model.gradients[$0] })
        let block0 = model.layout["transformer._mlps.0.0.weight"]!.range
        #expect(block0.contains { plain.gradients[$0] != model.gradients[$0] })
    }

    @Test func gradientsAccumulateAcrossBackwardPasses() throws {
        let model = try randomMarkovReference(Self.markovLike, seed: 41)
        let batch = Self.batch(Self.markovLike, seed: 42)
        try Self.meanNLLGradient(model, batch)
        let once = model.gradients.array
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        #expect(relativeError(model.gradients.array, once.map { 2 * Double($0) }) < 1e-6)
    }

    /// PyTorch's default initialisation, as the public code's modules get it: the embedding
    /// N(0, 1), the positions N(0, 0.02²), every linear weight and bias uniform in ±1/√128
    /// (Kaiming-uniform with a = √5), LayerNorms 1 and 0. The same seed gives the same bits.
    @Test func pyTorchDefaultInitialisation() throws {
        let config = MarkovReferenceConfig.reference
        var rng = RNG(seed: 7)
        let model = try #require(try config.initializedModel(rng: &rng) as? MarkovReference)
        let bound = 1 / 128.0.squareRoot()
        for slot in model.layout.slots {
            let values = Array(model.parameters.buffer[slot.range]).doubles
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            switch slot.name {
            case "embedding.weight":
                // 1280 draws: 4 standard errors of the standard deviation and of the mean.
                #expect(abs(std - 1) < 0.08 && abs(mean) < 0.12, "\(slot.name): mean \(mean), std \(std)")
            case "transformer.wpe.weight":
                // 2432 draws: 4 standard errors; the embedding's N(0, 1) would be far off.
                #expect(abs(std - 0.02) < 0.0012 && abs(mean) < 0.0016, "\(slot.name): mean \(mean), std \(std)")
            case let name where name.contains("_lns_"):
                #expect(values.allSatisfy { $0 == (name.hasSuffix(".weight") ? 1 : 0) }, "\(name)")
            default:
                // U(−a, a) has standard deviation a/√3; the smallest tensor (the head's 10 biases) is left to
                // the bound alone.
                #expect(values.allSatisfy { abs($0) <= bound }, "\(slot.name) leaves ±\(bound)")
                if slot.count >= 128 {
                    #expect(abs(std - bound / 3.0.squareRoot()) < 0.1 * bound, "\(slot.name): std \(std)")
                    #expect(values.contains { abs($0) > 0.95 * bound }, "\(slot.name) does not reach its bound")
                }
            }
        }
        var again = RNG(seed: 7)
        let same = try #require(try config.initializedModel(rng: &again) as? MarkovReference)
        #expect(BitComparison(same.parameters.array, model.parameters.array).identical)
        #expect(model.blockCount == 4 && model.width == 128 && model.vocabSize == 10 && model.contextLength == 19)
    }

    @Test func lastForwardRanAndBadInput() throws {
        let model = try randomMarkovReference(Self.markovLike, seed: 51)
        let batch = Self.batch(Self.markovLike, seed: 52)
        #expect(!model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: Self.B, seq: Self.T)
        #expect(model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        #expect(throws: ModelError.self) {
            try model.forward(tokens: [0, 10], targets: [1, 1], mask: [1, 1], batch: 1, seq: 2)   // token ≥ vocab
        }
        #expect(throws: ModelError.self) {
            try model.forward(tokens: [0, 1], targets: [1, -1], mask: [1, 1], batch: 1, seq: 2)   // −1 target counted
        }
        #expect(throws: ModelError.self) {
            try model.forward(
                tokens: [Int32](repeating: 0, count: 9), targets: [Int32](repeating: 0, count: 9),
                mask: [Float](repeating: 1, count: 9), batch: 1, seq: 9)   // T > the 8 positions
        }
        for bad in [
            MarkovReferenceConfig(nLayer: 0, nEmbd: 8, vocabSize: 4, blockSize: 4),
            MarkovReferenceConfig(nLayer: 1, nEmbd: 8, vocabSize: 4, blockSize: 0),
            MarkovReferenceConfig(nLayer: 1, nEmbd: 8, vocabSize: 4, blockSize: 4, layerNormEps: 0),
            MarkovReferenceConfig(nLayer: 1, nEmbd: 8, vocabSize: 4, blockSize: 4, layerNormEps: .nan),
            MarkovReferenceConfig(nLayer: Int.max / 2, nEmbd: 1 << 20, vocabSize: 4, blockSize: 4),
        ] {
            #expect(throws: ModelError.self) { try MarkovReference(config: bad) }
        }
    }
}

/// The paper's size, the names and groups of the layout, and the configuration's keys.
@Suite("Reference Markov model configuration and layout")
struct MarkovReferenceLayoutTests {
    /// REFERENCE §4: the public code's model has 335,754 parameters with 10 states.
    @Test func thePapersModelHas335754Parameters() {
        let config = MarkovReferenceConfig.reference
        let layout = config.parameterLayout()
        #expect(layout.count == 335_754)
        #expect(config.checkedParameterCount.value == 335_754)
        #expect(layout.slots.count == 4 + 4 * 11 && layout.blockCount == 4)
        #expect(config.claimedSizes(file: "config.json").tensorCount.value == layout.slots.count)
        #expect(MarkovReferenceArchitecture.defaultSize.shape.parameterLayout().count == 335_754)
    }

    @Test func namesShapesOrderAndGroups() {
        let layout = MarkovReferenceConfig.reference.parameterLayout()
        let expected: [(String, [Int], Int?, LayerGroup)] = [
            ("embedding.weight", [10, 128], nil, .embed),
            ("transformer.wpe.weight", [19, 128], nil, .embed),
            ("transformer._queries.0.weight", [128, 128], 0, .shallow),
            ("transformer._keys.0.weight", [128, 128], 0, .shallow),
            ("transformer._values.0.weight", [128, 128], 0, .shallow),
            ("transformer._lns_1.0.weight", [128], 0, .shallow),
            ("transformer._lns_1.0.bias", [128], 0, .shallow),
            ("transformer._mlps.0.0.weight", [128, 128], 0, .shallow),
            ("transformer._mlps.0.0.bias", [128], 0, .shallow),
            ("transformer._mlps.0.2.weight", [128, 128], 0, .shallow),
            ("transformer._mlps.0.2.bias", [128], 0, .shallow),
            ("transformer._lns_2.0.weight", [128], 0, .shallow),
            ("transformer._lns_2.0.bias", [128], 0, .shallow),
        ]
        for (i, (name, shape, block, group)) in expected.enumerated() {
            let slot = layout.slots[i]
            #expect(slot.name == name && slot.shape == shape && slot.block == block && slot.group == group, "\(slot)")
        }
        // 4 blocks: 2 shallow, 1 middle, 1 deep (⌊3l/4⌋).
        #expect((0..<4).map { layout["transformer._keys.\($0).weight"]!.group } == [.shallow, .shallow, .middle, .deep])
        #expect(layout.slots.suffix(2).map(\.name) == ["output_layer.weight", "output_layer.bias"])
        #expect(layout["output_layer.weight"]?.group == .lm && layout["output_layer.bias"]?.shape == [10])
        #expect(layout.slots.last!.range.upperBound == layout.count)
    }

    /// gscope's `config.json` of the model decodes to its configuration; `layer_norm_eps` may be
    /// left out.
    @Test func configJSONRoundTrips() throws {
        let config = MarkovReferenceGradientTests.odd
        let text = Checkpoint.markovReferenceConfigJSON(config)
        #expect(text.contains("\"model_type\": \"markov-reference\""))
        #expect(try JSONDecoder().decode(MarkovReferenceConfig.self, from: Data(text.utf8)) == config)
        let minimal = #"{"n_layer": 4, "n_embd": 128, "vocab_size": 10, "n_positions": 19}"#
        #expect(try JSONDecoder().decode(MarkovReferenceConfig.self, from: Data(minimal.utf8)) == .reference)
    }
}

/// The parallel paths compute every number exactly as the serial path does, at any worker count
/// and with other processes competing for the cores, on Markov-shaped batches of the paper's model.
@Suite("Reference Markov model parallel execution", .serialized)
struct MarkovReferenceParallelExecutionTests {
    @Test func everyWorkerCountGivesTheSameBits() throws {
        let differences = try withCPUBurners(2) {
            try differencesAcrossWorkerCounts([1, 2, 3]) {
                let config = MarkovReferenceConfig.reference, B = 32, T = 19
                var rng = RNG(seed: 61)
                let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let targets = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let mask = [Float](repeating: 1, count: B * T)
                var initRNG = RNG(seed: 62)
                let model = try #require(try config.initializedModel(rng: &initRNG) as? MarkovReference)
                model.zeroGradients()
                let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
                let d = model.logitGradientScratch.baseAddress!
                model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: d)
                model.backward(logitGradient: d)
                var vRNG = RNG(seed: 63)
                let v = randomFloats(model.parameterCount, rng: &vRNG)
                let jvp = model.directionalDerivative(along: v, hiddenBlocks: [0])
                return [
                    ("loss", [loss]), ("logits", Array(model.logits).doubles), ("gradients", model.gradients.array.doubles),
                    ("tangent logits", jvp.logits.doubles), ("tangent hidden", jvp.hidden[0]!.doubles),
                ]
            }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// A sequence's logits are the same bits whatever batch it is in (alone, or third of four).
    @Test func aSequenceGivesTheSameBitsInAnyBatch() throws {
        var rng = RNG(seed: 64)
        let model = try randomMarkovReference(.reference, seed: 65)
        let alone = try thirdSequenceAloneAgainstInBatch(model, T: 19, vocabSize: 10, rng: &rng)
        #expect(alone.identical, "\(alone)")
    }
}
