import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The whole Float32 Phi against the Float64 reference (`Ref.phi`): logits, loss, hidden states,
/// and the gradient of every parameter tensor against central finite differences of the
/// reference loss, on sampled coordinates of each tensor.
@Suite("Phi forward/backward against Float64 finite differences")
struct PhiGradientTests {
    /// Phi-1.5's kind: 2 blocks of 32, 4 heads of 8 (as many key/value heads), half of each head
    /// rotating (4 dimensions), MLP 64, vocabulary 40.
    static let multiHead = PhiConfig(
        nLayer: 2, nHead: 4, nKVHead: 4, nEmbd: 32, ffnHidden: 64, vocabSize: 40, blockSize: 8,
        ropeBase: 10_000, partialRotaryFactor: 0.5, layerNormEps: 1e-5)
    /// Odd sizes for the SIMD tails and Phi-2's factor 0.4: 3 blocks (one per layer group) of 60,
    /// 6 query heads of 10 on 2 key/value heads, 4 rotary dimensions, MLP 44, vocabulary 23,
    /// LayerNorm ε 1e−3 (so that ε is seen).
    static let grouped = PhiConfig(
        nLayer: 3, nHead: 6, nKVHead: 2, nEmbd: 60, ffnHidden: 44, vocabSize: 23, blockSize: 8,
        ropeBase: 30_000, partialRotaryFactor: 0.4, layerNormEps: 1e-3)
    static let B = 2, T = 8

    static func batch(_ config: PhiConfig, seed: UInt64) -> (tokens: [Int32], targets: [Int32], mask: [Float]) {
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

    static func referenceLoss(_ config: PhiConfig, _ p: [Double], _ batch: (tokens: [Int32], targets: [Int32], mask: [Float]))
        -> Double
    {
        Ref.loss(
            logits: Ref.phi(config, p, tokens: batch.tokens, B: B, T: T).logits,
            targets: batch.targets, mask: batch.mask, V: config.vocabSize)
    }

    /// Forward, NLL logit gradient, backward: the gradient of the mean NLL in `gradients`.
    @discardableResult
    static func meanNLLGradient(_ model: Phi, _ batch: (tokens: [Int32], targets: [Int32], mask: [Float])) throws -> Double {
        model.zeroGradients()
        let loss = try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: B, seq: T)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: batch.mask), into: d)
        model.backward(logitGradient: d)
        return loss
    }

    @Test(arguments: [multiHead, grouped])
    func forwardMatchesReference(config: PhiConfig) throws {
        let model = try randomPhi(config, seed: 11)
        let (tokens, targets, mask) = Self.batch(config, seed: 12)
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let ref = Ref.phi(config, model.parameters.array.doubles, tokens: tokens, B: Self.B, T: Self.T)
        let logitErr = relativeError(Array(model.logits), ref.logits)
        print("Phi logits vs Float64 reference (\(config.nKVHead) key/value heads): \(logitErr)")
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
        // The tolerance sees the partial rotation, ε and the head's bias: the reference with the
        // whole head rotating, with ε 1e−5 → 0.1, or without the head bias is far off.
        var whole = config
        whole.partialRotaryFactor = 1
        var otherEps = config
        otherEps.layerNormEps = 0.1
        for other in [whole, otherEps] {
            let r = Ref.phi(other, model.parameters.array.doubles, tokens: tokens, B: Self.B, T: Self.T)
            #expect(relativeError(Array(model.logits), r.logits) > 1e-3)
        }
        var unbiased = model.parameters.array.doubles
        for i in model.layout["lm_head.bias"]!.range { unbiased[i] = 0 }
        #expect(relativeError(Array(model.logits), Ref.phi(config, unbiased, tokens: tokens, B: Self.B, T: Self.T).logits) > 1e-3)
    }

    /// 24 sampled coordinates of every tensor.
    @Test(arguments: [multiHead, grouped])
    func gradientsMatchFiniteDifferences(config: PhiConfig) throws {
        let model = try randomPhi(config, seed: 21)
        let batch = Self.batch(config, seed: 22)
        try Self.meanNLLGradient(model, batch)
        let p0 = model.parameters.array.doubles, grads = model.gradients.array
        var rng = RNG(seed: 23)
        var all: [Float] = [], allFD: [Double] = []
        var worst = (name: "", error: 0.0)
        for slot in model.layout.slots {
            var indices = sampleIndices(slot.range, count: 24, rng: &rng)
            if slot.name == "model.embed_tokens.weight" {
                // The embedding has gradient only on the batch's tokens: sample one of their rows.
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
            "Phi gradients vs finite differences (\(config.nKVHead) key/value heads): all sampled \(total), worst tensor \(worst.name) \(worst.error)"
        )
        #expect(total < 2e-5)
    }

    /// The head is never tied, so the input side of the embedding's gradient
    /// (`inputEmbeddingGradient`) is the whole embedding gradient, and that is the finite
    /// difference through the input lookup.
    @Test func inputEmbeddingGradientIsTheEmbeddingsGradient() throws {
        let config = Self.multiHead
        let model = try randomPhi(config, seed: 41)
        let batch = Self.batch(config, seed: 42)
        let V = config.vocabSize, C = config.nEmbd
        model.inputEmbeddingGradient = FloatBuffer(count: V * C)
        try Self.meanNLLGradient(model, batch)
        let p = model.parameters.array.doubles, embedding = model.layout["model.embed_tokens.weight"]!
        #expect(model.inputEmbeddingGradient!.array == Array(model.gradients.array[embedding.range]))
        let fd = finiteDifferenceGradient(Array(p[embedding.range])) { e in
            let r = Ref.phi(config, p, tokens: batch.tokens, B: Self.B, T: Self.T, inputEmbedding: e)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: V)
        }
        let err = relativeError(model.inputEmbeddingGradient!.array, fd)
        print("Phi input-side embedding gradient vs finite differences: \(err)")
        #expect(err < 2e-5)
    }

    /// RMU-style: a gradient G injected on the residual stream after block 1 must equal the
    /// gradient of `loss + Σ G ⊙ h₁`.
    @Test func residualGradientInjection() throws {
        let config = Self.grouped
        let model = try randomPhi(config, seed: 31)
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
            let r = Ref.phi(config, p, tokens: batch.tokens, B: Self.B, T: Self.T)
            return Ref.loss(logits: r.logits, targets: batch.targets, mask: batch.mask, V: config.vocabSize)
                + zip(r.hidden[1], g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let err = relativeError(indices.map { grads[$0] }, fd)
        print("Phi gradient with a residual gradient after block 1 vs finite differences: \(err)")
        #expect(err < 2e-5)
        // Block 2's tensors do not see the injected gradient: compare against the plain loss.
        let plain = try Phi(config: config, parameters: model.parameters.array)
        try Self.meanNLLGradient(plain, batch)
        let block2 = model.layout.slots.filter { $0.block == 2 }.flatMap { Array($0.range) }
        #expect(block2.allSatisfy { plain.gradients[$0] == model.gradients[$0] })
        let block0 = model.layout["model.layers.0.mlp.fc1.weight"]!.range
        #expect(block0.contains { plain.gradients[$0] != model.gradients[$0] })
    }

    @Test func gradientsAccumulateAcrossBackwardPasses() throws {
        let model = try randomPhi(Self.multiHead, seed: 41)
        let batch = Self.batch(Self.multiHead, seed: 42)
        try Self.meanNLLGradient(model, batch)
        let once = model.gradients.array
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        #expect(relativeError(model.gradients.array, once.map { 2 * Double($0) }) < 1e-6)
    }

    /// `lastForwardRan` recognises the batch, and `initializePhi` draws N(0, 0.02²) matrices, zero
    /// biases and unit LayerNorm gains.
    @Test func plumbingAndInitialisation() throws {
        let model = try Phi(config: Self.grouped)
        var rng = RNG(seed: 7)
        model.initializePhi(rng: &rng)
        for slot in model.layout.slots {
            let values = Array(model.parameters.buffer[slot.range])
            if slot.isMatrix {
                let std = (values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)).squareRoot()
                #expect(abs(std - 0.02) < 0.002, "\(slot.name): std \(std)")
            } else {
                #expect(values.allSatisfy { $0 == (slot.name.hasSuffix("layernorm.weight") ? 1 : 0) }, "\(slot.name)")
            }
        }
        let batch = Self.batch(Self.grouped, seed: 8)
        #expect(!model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        let loss = try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: Self.B, seq: Self.T)
        #expect(abs(loss - log(Double(Self.grouped.vocabSize))) < 0.05)   // small weights: near uniform
        #expect(model.lastForwardRan(tokens: batch.tokens, targets: batch.targets, batch: Self.B, seq: Self.T))
        var other = batch.targets
        other[3] = (other[3] + 1) % Int32(Self.grouped.vocabSize)
        #expect(!model.lastForwardRan(tokens: batch.tokens, targets: other, batch: Self.B, seq: Self.T))
        #expect(model.blockCount == 3 && model.width == 60 && model.vocabSize == 23 && model.contextLength == 8)
    }

    @Test func badInputIsRejected() throws {
        let model = try randomPhi(Self.multiHead, seed: 51)
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
        func config(nHead: Int, nKVHead: Int, nEmbd: Int, factor: Double = 0.5) -> PhiConfig {
            PhiConfig(
                nLayer: 1, nHead: nHead, nKVHead: nKVHead, nEmbd: nEmbd, ffnHidden: 8, vocabSize: 4, blockSize: 4,
                partialRotaryFactor: factor)
        }
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 5, nKVHead: 5, nEmbd: 12)) }   // 12 % 5
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 4, nKVHead: 3, nEmbd: 16)) }   // 4 % 3
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 4, nKVHead: 2, nEmbd: 24)) }   // rotary 3: odd
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 4, nKVHead: 2, nEmbd: 16, factor: 0.1)) }   // rotary 0
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 4, nKVHead: 2, nEmbd: 16, factor: 1.5)) }
        #expect(throws: ModelError.self) { try Phi(config: config(nHead: 4, nKVHead: 2, nEmbd: 16, factor: .nan)) }
        #expect(throws: Never.self) { try Phi(config: config(nHead: 4, nKVHead: 1, nEmbd: 16, factor: 1)) }
    }
}

/// Names, shapes, order and groups of the Phi layout, Phi-1.5's size, and the Hugging Face
/// `config.json` spellings (transformers 4's and 5's).
@Suite("Phi configuration and layout")
struct PhiLayoutTests {
    @Test func phi1_5Has1418270720Parameters() {
        let config = PhiConfig.phi1_5
        let layout = config.parameterLayout()
        #expect(layout.count == 1_418_270_720)
        #expect(config.checkedParameterCount.value == layout.count)
        #expect(config.headSize == 64 && config.rotaryDim == 32 && config.kvDim == 2048 && config.qkvDim == 6144)
        #expect(layout.slots.count == 5 + 24 * 14)
        #expect(layout.blockCount == 24)
        let groups = (0..<24).map { layout["model.layers.\($0).mlp.fc1.weight"]!.group }
        #expect(groups.filter { $0 == .shallow }.count == 8 && groups.filter { $0 == .middle }.count == 8)
    }

    @Test func namesShapesOrderAndGroups() {
        let c = PhiGradientTests.grouped   // C 60, KV 20, F 44, V 23, 3 blocks
        let layout = c.parameterLayout()
        let expected: [(String, [Int], Int?, LayerGroup)] = [
            ("model.embed_tokens.weight", [23, 60], nil, .embed),
            ("model.layers.0.input_layernorm.weight", [60], 0, .shallow),
            ("model.layers.0.input_layernorm.bias", [60], 0, .shallow),
            ("model.layers.0.self_attn.q_proj.weight", [60, 60], 0, .shallow),
            ("model.layers.0.self_attn.k_proj.weight", [20, 60], 0, .shallow),
            ("model.layers.0.self_attn.v_proj.weight", [20, 60], 0, .shallow),
            ("model.layers.0.self_attn.q_proj.bias", [60], 0, .shallow),
            ("model.layers.0.self_attn.k_proj.bias", [20], 0, .shallow),
            ("model.layers.0.self_attn.v_proj.bias", [20], 0, .shallow),
            ("model.layers.0.self_attn.dense.weight", [60, 60], 0, .shallow),
            ("model.layers.0.self_attn.dense.bias", [60], 0, .shallow),
            ("model.layers.0.mlp.fc1.weight", [44, 60], 0, .shallow),
            ("model.layers.0.mlp.fc1.bias", [44], 0, .shallow),
            ("model.layers.0.mlp.fc2.weight", [60, 44], 0, .shallow),
            ("model.layers.0.mlp.fc2.bias", [60], 0, .shallow),
        ]
        for (i, (name, shape, block, group)) in expected.enumerated() {
            let slot = layout.slots[i]
            #expect(slot.name == name && slot.shape == shape && slot.block == block && slot.group == group, "\(slot)")
        }
        #expect(layout["model.layers.1.mlp.fc2.weight"]?.group == .middle)
        #expect(layout["model.layers.2.input_layernorm.bias"]?.group == .deep)
        #expect(
            layout.slots.suffix(4).map(\.name) == [
                "model.final_layernorm.weight", "model.final_layernorm.bias", "lm_head.weight", "lm_head.bias",
            ])
        #expect(layout["model.final_layernorm.bias"]?.group == .deep && layout["model.final_layernorm.bias"]?.block == nil)
        #expect(layout["lm_head.weight"]?.group == .lm && layout["lm_head.bias"]?.shape == [23])
        #expect(layout.slots.last!.range.upperBound == layout.count)
        #expect(c.checkedParameterCount.value == layout.count)
    }

    /// Phi-1.5's own config.json (transformers 4.37: top-level `rope_theta` and
    /// `partial_rotary_factor`, `num_key_value_heads` null), and transformers 5's spelling
    /// (`rope_parameters`, which wins over the top level).
    @Test func decodesHuggingFaceConfigs() throws {
        let phi15 = """
            {"_name_or_path": "microsoft/phi-1_5", "architectures": ["PhiForCausalLM"], "attention_dropout": 0.0,
             "bos_token_id": null, "embd_pdrop": 0.0, "eos_token_id": null, "hidden_act": "gelu_new",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 2048, "model_type": "phi", "num_attention_heads": 32,
             "num_hidden_layers": 24, "num_key_value_heads": null, "partial_rotary_factor": 0.5,
             "qk_layernorm": false, "resid_pdrop": 0.0, "rope_scaling": null, "rope_theta": 10000.0,
             "tie_word_embeddings": false, "torch_dtype": "float16", "transformers_version": "4.37.0",
             "vocab_size": 51200}
            """
        #expect(try JSONDecoder().decode(PhiConfig.self, from: Data(phi15.utf8)) == .phi1_5)
        let v5 = """
            {"model_type": "phi", "hidden_size": 60, "intermediate_size": 44, "num_attention_heads": 6,
             "num_key_value_heads": 2, "num_hidden_layers": 3, "vocab_size": 23, "max_position_embeddings": 8,
             "layer_norm_eps": 0.001, "rope_theta": 5.0, "partial_rotary_factor": 0.9,
             "rope_parameters": {"rope_type": "default", "rope_theta": 30000.0, "partial_rotary_factor": 0.4}}
            """
        #expect(try JSONDecoder().decode(PhiConfig.self, from: Data(v5.utf8)) == PhiGradientTests.grouped)
        let minimal = """
            {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
             "vocab_size": 40, "max_position_embeddings": 16}
            """
        #expect(try JSONDecoder().decode(PhiConfig.self, from: Data(minimal.utf8)) == .tiny)
        let again = try JSONDecoder().decode(PhiConfig.self, from: JSONEncoder().encode(PhiGradientTests.grouped))
        #expect(again == PhiGradientTests.grouped)
    }
}

/// The parallel paths (matrix products cut into pieces, attention head groups spread over
/// workers) compute every number exactly as the serial path does, at any worker count and with
/// other processes competing for the cores.
@Suite("Phi parallel execution", .serialized)
struct PhiParallelExecutionTests {
    static let config = PhiConfig(
        nLayer: 2, nHead: 6, nKVHead: 2, nEmbd: 96, ffnHidden: 256, vocabSize: 300, blockSize: 64,
        ropeBase: 10_000, partialRotaryFactor: 0.5)

    @Test func everyWorkerCountGivesTheSameBits() throws {
        let differences = try withCPUBurners(2) {
            try differencesAcrossWorkerCounts {
                let config = Self.config, B = 4, T = 64
                var rng = RNG(seed: 61)
                let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let targets = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
                let mask = [Float](repeating: 1, count: B * T)
                var initRNG = RNG(seed: 62)
                let model = try Phi(config: config)
                model.initializePhi(rng: &initRNG, std: 0.1)
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
        let model = try Phi(config: Self.config)
        model.initializePhi(rng: &rng, std: 0.1)
        let alone = try thirdSequenceAloneAgainstInBatch(model, T: 40, vocabSize: Self.config.vocabSize, rng: &rng)
        #expect(alone.identical, "\(alone)")
    }
}
