import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The whole Float32 Llama against the Float64 reference: logits and loss, and the gradient of
/// every parameter tensor against central finite differences of the reference loss, on sampled
/// coordinates of each tensor.
@Suite("Llama forward/backward against Float64 finite differences")
struct LlamaGradientTests {
    /// The tied configuration: 2 blocks of 32, 4 query heads on 2 key/value heads, MLP 48,
    /// vocabulary 40, SmolLM2's RoPE base.
    static let tied = LlamaConfig(
        nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 48, vocabSize: 40,
        blockSize: 8, ropeBase: 100_000, rmsNormEps: 1e-5, tiedEmbeddings: true)
    /// An untied one with odd sizes for the SIMD tails: 3 blocks (one per layer group) of 36,
    /// 6 query heads of 6 on 2 key/value heads, MLP 44, vocabulary 23.
    static let untied = LlamaConfig(
        nLayer: 3, nHead: 6, nKVHead: 2, nEmbd: 36, ffnHidden: 44, vocabSize: 23,
        blockSize: 8, ropeBase: 10_000, rmsNormEps: 1e-5, tiedEmbeddings: false)
    /// Llama 3's pieces: heads of 12 (q 48 wide on a width of 32), the `llama3` rotary scaling
    /// with all three frequency bands (high kept, medium blended, low divided), `attention_bias`
    /// and `mlp_bias` (every projection biased), an untied head.
    static let llama3: LlamaConfig = {
        var c = LlamaConfig(
            nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 40, vocabSize: 29,
            blockSize: 8, ropeBase: 10_000, rmsNormEps: 1e-5, tiedEmbeddings: false)
        c.headDim = 12
        c.ropeScaling = .llama3(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 64)
        c.qkvBias = true; c.outputBias = true; c.mlpBias = true
        return c
    }()
    /// Qwen2's: q/k/v biases only, tied, RoPE base 1e6, heads of 6 (q 24 wide on 36), and the
    /// `linear` rotary scaling.
    static let qwen2: LlamaConfig = {
        var c = LlamaConfig(
            nLayer: 3, nHead: 4, nKVHead: 2, nEmbd: 36, ffnHidden: 44, vocabSize: 23,
            blockSize: 8, ropeBase: 1_000_000, rmsNormEps: 1e-6, tiedEmbeddings: true)
        c.modelType = .qwen2
        c.headDim = 6
        c.ropeScaling = .linear(factor: 3)
        c.qkvBias = true
        return c
    }()
    static let B = 2, T = 8

    static func batch(_ config: LlamaConfig, seed: UInt64) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
        var rng = RNG(seed: seed)
        let N = B * T, V = config.vocabSize
        let tokens = (0..<N).map { _ in Int32(rng.below(V)) }
        var targets = (0..<N).map { _ in Int32(rng.below(V)) }
        // Row 0: a 2-token "question" then answer tokens; row 1 right-padded after 6 tokens.
        var mask = [Float](repeating: 1, count: N)
        mask[0] = 0; mask[1] = 0
        mask[T + 6] = 0; mask[T + 7] = 0; targets[T + 7] = -1
        return (tokens, targets, mask)
    }

    static func referenceLoss(_ config: LlamaConfig, _ p: [Double], _ batch: (tokens: [Int32], targets: [Int32], mask: [Float]))
        -> Double
    {
        Ref.loss(
            logits: Ref.llama(config, p, tokens: batch.tokens, B: B, T: T).logits,
            targets: batch.targets, mask: batch.mask, V: config.vocabSize)
    }

    /// Forward, NLL logit gradient, backward: the gradient of the mean NLL in `gradients`.
    @discardableResult
    static func meanNLLGradient(_ model: Llama, _ batch: (tokens: [Int32], targets: [Int32], mask: [Float])) throws -> Double {
        model.zeroGradients()
        let loss = try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: B, seq: T)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: batch.mask), into: d)
        model.backward(logitGradient: d)
        return loss
    }

    @Test(arguments: [tied, untied, llama3, qwen2])
    func forwardMatchesReference(config: LlamaConfig) throws {
        let model = try randomLlama(config, seed: 11)
        let (tokens, targets, mask) = Self.batch(config, seed: 12)
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let ref = Ref.llama(config, model.parameters.array.doubles, tokens: tokens, B: Self.B, T: Self.T)
        let logitErr = relativeError(Array(model.logits), ref.logits)
        print("Llama logits vs Float64 reference (tied \(config.tiedEmbeddings)): \(logitErr)")
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
    }

    /// 24 sampled coordinates of every tensor (every coordinate of the norm gains of the tied
    /// model would also do; sampling keeps the reference passes few).
    @Test(arguments: [tied, untied, llama3, qwen2])
    func gradientsMatchFiniteDifferences(config: LlamaConfig) throws {
        let model = try randomLlama(config, seed: 21)
        let batch = Self.batch(config, seed: 22)
        try Self.meanNLLGradient(model, batch)
        let p0 = model.parameters.array.doubles, grads = model.gradients.array
        var rng = RNG(seed: 23)
        var all: [Float] = [], allFD: [Double] = []
        var worst = (name: "", error: 0.0)
        for slot in model.layout.slots {
            var indices = sampleIndices(slot.range, count: 24, rng: &rng)
            if slot.name == "model.embed_tokens.weight" && !config.tiedEmbeddings {
                // An untied embedding has gradient only on the batch's tokens: sample those rows.
                let row = Int(batch.tokens[5]) * config.nEmbd
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
            "Llama gradients vs finite differences (tied \(config.tiedEmbeddings)): all sampled \(total), worst tensor \(worst.name) \(worst.error)"
        )
        #expect(total < 2e-5)
    }

    /// The input side of the embedding's gradient (`inputEmbeddingGradient`) is the gradient
    /// through the input lookup alone; with a tied head, the rest of the gradient is the head's.
    @Test func tiedEmbeddingInputSide() throws {
        let config = Self.tied
        let model = try randomLlama(config, seed: 41)
        let batch = Self.batch(config, seed: 42)
        let V = config.vocabSize, C = config.nEmbd
        model.inputEmbeddingGradient = FloatBuffer(count: V * C)
        try Self.meanNLLGradient(model, batch)
        let p = model.parameters.array.doubles, embedding = model.layout["model.embed_tokens.weight"]!
        let fd = finiteDifferenceGradient(Array(p[embedding.range])) { e in
            let r = Ref.llama(config, p, tokens: batch.tokens, B: Self.B, T: Self.T, inputEmbedding: e)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: V)
        }
        let err = relativeError(model.inputEmbeddingGradient!.array, fd)
        print("Llama input-side embedding gradient vs finite differences: \(err)")
        #expect(err < 2e-5)
        #expect(relativeError(model.inputEmbeddingGradient!.array, Array(model.gradients.array[embedding.range]).doubles) > 1e-2)
    }

    /// RMU-style: a gradient G injected on the residual stream after block 1 must equal the
    /// gradient of `loss + Σ G ⊙ h₁`.
    @Test func residualGradientInjection() throws {
        let config = Self.untied
        let model = try randomLlama(config, seed: 31)
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
        for slot in model.layout.slots where slot.name != "model.embed_tokens.weight" {
            indices += sampleIndices(slot.range, count: 8, rng: &rng)
        }
        let fd = finiteDifferenceGradient(p0, at: indices) { p in
            let r = Ref.llama(config, p, tokens: batch.tokens, B: Self.B, T: Self.T)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: config.vocabSize)
                + zip(r.hidden[1], g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let err = relativeError(indices.map { grads[$0] }, fd)
        print("Llama gradient with a residual gradient after block 1 vs finite differences: \(err)")
        #expect(err < 2e-5)
        // Block 2's tensors do not see the injected gradient: compare against the plain loss.
        let plain = try Llama(config: config, parameters: model.parameters.array)
        try Self.meanNLLGradient(plain, batch)
        let block2 = model.layout.slots.filter { $0.block == 2 }.flatMap { Array($0.range) }
        #expect(block2.allSatisfy { plain.gradients[$0] == model.gradients[$0] })
        let block0 = model.layout["model.layers.0.mlp.up_proj.weight"]!.range
        #expect(block0.contains { plain.gradients[$0] != model.gradients[$0] })
    }

    @Test func gradientsAccumulateAcrossBackwardPasses() throws {
        let model = try randomLlama(Self.tied, seed: 41)
        let batch = Self.batch(Self.tied, seed: 42)
        try Self.meanNLLGradient(model, batch)
        let once = model.gradients.array
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        #expect(relativeError(model.gradients.array, once.map { 2 * Double($0) }) < 1e-6)
    }

    /// `lastForwardRan` recognises the batch, and `initializeLlama` draws N(0, 0.02²) matrices and
    /// unit gains.
    @Test func plumbingAndInitialisation() throws {
        let model = try Llama(config: Self.untied)
        var rng = RNG(seed: 7)
        model.initializeLlama(rng: &rng)
        for slot in model.layout.slots {
            let values = Array(model.parameters.buffer[slot.range])
            if slot.isMatrix {
                let std = (values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)).squareRoot()
                #expect(abs(std - 0.02) < 0.002, "\(slot.name): std \(std)")
            } else {
                #expect(values.allSatisfy { $0 == 1 })
            }
        }
        let batch = Self.batch(Self.untied, seed: 8)
        #expect(!model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        let loss = try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: Self.B, seq: Self.T)
        #expect(abs(loss - log(Double(Self.untied.vocabSize))) < 0.05)   // small weights: near uniform
        #expect(model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        var other = batch.targets
        other[3] = (other[3] + 1) % Int32(Self.untied.vocabSize)
        #expect(!model.lastForwardRan(tokens: batch.tokens, targets: other, batch: Self.B, seq: Self.T))
        #expect(abs(model.meanNLLCoefficients(mask: batch.mask).reduce(0, +) - 1) < 1e-6)
    }

    @Test func badInputIsRejected() throws {
        let model = try randomLlama(Self.tied, seed: 51)
        #expect(throws: ModelError.self) {
            try model.forward(tokens: [0, 40], targets: [1, 1], mask: [1, 1], batch: 1, seq: 2)   // token ≥ vocab
        }
        #expect(throws: ModelError.self) {
            try model.forward(tokens: [0, 1], targets: [1, -1], mask: [1, 1], batch: 1, seq: 2)   // −1 target counted
        }
        #expect(throws: ModelError.self) {
            try model.forward(
                tokens: [Int32](repeating: 0, count: 9), targets: [Int32](repeating: 0, count: 9),
                mask: [Float](repeating: 1, count: 9), batch: 1, seq: 9)   // T > block size
        }
        func config(nHead: Int, nKVHead: Int, nEmbd: Int) -> LlamaConfig {
            LlamaConfig(nLayer: 1, nHead: nHead, nKVHead: nKVHead, nEmbd: nEmbd, ffnHidden: 8, vocabSize: 4, blockSize: 4)
        }
        #expect(throws: ModelError.self) { try Llama(config: config(nHead: 5, nKVHead: 5, nEmbd: 12)) }   // 12 % 5
        #expect(throws: ModelError.self) { try Llama(config: config(nHead: 4, nKVHead: 3, nEmbd: 16)) }   // 4 % 3
        #expect(throws: ModelError.self) { try Llama(config: config(nHead: 4, nKVHead: 2, nEmbd: 12)) }   // head size 3
        #expect(throws: Never.self) { try Llama(config: config(nHead: 4, nKVHead: 1, nEmbd: 16)) }
    }
}

/// Names, shapes, order and groups of the Llama layout, SmolLM2-135M's size, and the
/// Hugging Face `config.json` spelling.
@Suite("Llama configuration and layout")
struct LlamaLayoutTests {
    @Test func smolLM2Has134515008Parameters() {
        let config = LlamaConfig.smollm2_135m
        let layout = config.parameterLayout()
        #expect(layout.count == 134_515_008)
        #expect(config.headSize == 64 && config.kvDim == 192 && config.qkvDim == 960)
        #expect(layout.slots.count == 1 + 30 * 9 + 1)
        #expect(layout.blockCount == 30)
        #expect(layout["lm_head.weight"] == nil)
        let groups = (0..<30).map { layout["model.layers.\($0).mlp.up_proj.weight"]!.group }
        #expect(groups.filter { $0 == .shallow }.count == 10 && groups.filter { $0 == .middle }.count == 10)
    }

    @Test func namesShapesOrderAndGroups() {
        let c = LlamaGradientTests.untied   // C 36, KV 12, F 44, V 23, 3 blocks, untied
        let layout = c.parameterLayout()
        let expected: [(String, [Int], Int?, LayerGroup)] = [
            ("model.embed_tokens.weight", [23, 36], nil, .embed),
            ("model.layers.0.input_layernorm.weight", [36], 0, .shallow),
            ("model.layers.0.self_attn.q_proj.weight", [36, 36], 0, .shallow),
            ("model.layers.0.self_attn.k_proj.weight", [12, 36], 0, .shallow),
            ("model.layers.0.self_attn.v_proj.weight", [12, 36], 0, .shallow),
            ("model.layers.0.self_attn.o_proj.weight", [36, 36], 0, .shallow),
            ("model.layers.0.post_attention_layernorm.weight", [36], 0, .shallow),
            ("model.layers.0.mlp.gate_proj.weight", [44, 36], 0, .shallow),
            ("model.layers.0.mlp.up_proj.weight", [44, 36], 0, .shallow),
            ("model.layers.0.mlp.down_proj.weight", [36, 44], 0, .shallow),
        ]
        for (i, (name, shape, block, group)) in expected.enumerated() {
            let slot = layout.slots[i]
            #expect(slot.name == name && slot.shape == shape && slot.block == block && slot.group == group, "\(slot)")
        }
        #expect(layout["model.layers.1.mlp.down_proj.weight"]?.group == .middle)
        #expect(layout["model.layers.2.input_layernorm.weight"]?.group == .deep)
        #expect(layout.slots.suffix(2).map(\.name) == ["model.norm.weight", "lm_head.weight"])
        #expect(layout["model.norm.weight"]?.group == .deep && layout["model.norm.weight"]?.block == nil)
        #expect(layout["lm_head.weight"]?.group == .lm && layout["lm_head.weight"]?.shape == [23, 36])
        #expect(layout.slots.last!.range.upperBound == layout.count)
        var tiedConfig = c
        tiedConfig.tiedEmbeddings = true
        let tied = tiedConfig.parameterLayout()
        #expect(tied["model.embed_tokens.weight"]?.group == .tied && tied["lm_head.weight"] == nil)
        #expect(tied.count == layout.count - 23 * 36)
    }

    @Test func decodesHuggingFaceConfig() throws {
        // SmolLM2-135M's config.json (the keys gscope reads, among others it ignores).
        let json = """
            {"architectures": ["LlamaForCausalLM"], "hidden_act": "silu", "hidden_size": 576,
             "intermediate_size": 1536, "max_position_embeddings": 8192, "model_type": "llama",
             "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3,
             "rms_norm_eps": 1e-05, "rope_theta": 100000, "tie_word_embeddings": true, "vocab_size": 49152}
            """
        let config = try JSONDecoder().decode(LlamaConfig.self, from: Data(json.utf8))
        #expect(config == .smollm2_135m)
        let again = try JSONDecoder().decode(LlamaConfig.self, from: JSONEncoder().encode(config))
        #expect(again == config)
    }
}

/// The parallel paths (matrix products cut into pieces, attention head groups spread over
/// workers) compute every number exactly as the serial path does, at any worker count and with
/// other processes competing for the cores.
@Suite("Llama parallel execution", .serialized)
struct LlamaParallelExecutionTests {
    /// `llama3`: heads of 24 on a width of 96, every projection biased (biases drawn too), the
    /// llama3 rotary scaling.
    @Test(arguments: [false, true])
    func everyWorkerCountGivesTheSameBits(llama3: Bool) throws {
        let differences = try withCPUBurners(2) {
            try differencesAcrossWorkerCounts {
                var config = LlamaConfig(
                    nLayer: 2, nHead: 6, nKVHead: 2, nEmbd: 96, ffnHidden: 256, vocabSize: 300,
                    blockSize: 64, ropeBase: 100_000)
                if llama3 {
                    config.headDim = 24
                    config.qkvBias = true; config.outputBias = true; config.mlpBias = true
                    config.ropeScaling = .llama3(
                        factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 32)
                }
                let B = 4, T = 64
                var rng = RNG(seed: 61)
                let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let targets = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let mask = [Float](repeating: 1, count: B * T)
                var initRNG = RNG(seed: 62)
                let model = try Llama(config: config)
                model.initializeLlama(rng: &initRNG, std: 0.1)
                for slot in model.layout.slots where slot.name.hasSuffix(".bias") {
                    for i in slot.range { model.parameters[i] = Float(initRNG.normal() * 0.1) }
                }
                model.zeroGradients()
                let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
                let d = model.logitGradientScratch.baseAddress!
                model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: d)
                model.backward(logitGradient: d)
                return [("loss", [loss]), ("logits", Array(model.logits).doubles), ("gradients", model.gradients.array.doubles)]
            }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// A sequence's logits are the same bits whatever batch it is in (alone, or third of four).
    @Test func aSequenceGivesTheSameBitsInAnyBatch() throws {
        let config = LlamaConfig(
            nLayer: 2, nHead: 6, nKVHead: 2, nEmbd: 96, ffnHidden: 256, vocabSize: 300,
            blockSize: 64, ropeBase: 100_000)
        var rng = RNG(seed: 64)
        let model = try Llama(config: config)
        model.initializeLlama(rng: &rng, std: 0.1)
        let alone = try thirdSequenceAloneAgainstInBatch(model, T: 40, vocabSize: config.vocabSize, rng: &rng)
        #expect(alone.identical, "\(alone)")
    }
}
