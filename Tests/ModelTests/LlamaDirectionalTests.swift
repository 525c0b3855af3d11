import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// `(f(h) − f(−h)) / 2h`: the central difference of a vector function along one direction.
private func directionalDifference(h: Double = 1e-5, _ f: (Double) -> [Double]) -> [Double] {
    let fp = f(h), fm = f(-h)
    return zip(fp, fm).map { ($0 - $1) / (2 * h) }
}

/// `x + ε·v`.
private func moved(_ x: [Float], _ v: [Float], _ eps: Double) -> [Double] {
    zip(x, v).map { Double($0) + eps * Double($1) }
}

private func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// The Llama layers' `tangent` against central differences of their Float64 reference forward
/// along a random direction of inputs and parameters. Odd sizes exercise the SIMD tails.
@Suite("Llama layer tangents against Float64 finite differences")
struct LlamaLayerTangentTests {
    @Test func rmsNorm() {
        var rng = RNG(seed: 401)
        let N = 4, C = 19, eps = 1e-5
        let x = randomFloats(N * C, std: 2, mean: 0.5, rng: &rng), w = randomFloats(C, std: 0.2, mean: 1, rng: &rng)
        let dx = randomFloats(N * C, rng: &rng), dw = randomFloats(C, rng: &rng)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        RMSNorm.forward(out: &out, rstd: &rstd, inp: x, weight: w, eps: Float(eps), N: N, C: C)
        var tangent = [Float](repeating: .nan, count: N * C)
        RMSNorm.tangent(out: &tangent, inp: x, inpTangent: dx, weight: w, weightTangent: dw, rstd: rstd, N: N, C: C)
        let fd = directionalDifference { e in Ref.rmsNorm(moved(x, dx, e), moved(w, dw, e), eps: eps, N: N, C: C) }
        #expect(relativeError(tangent, fd) < 1e-5)
    }

    @Test func swiGLU() {
        var rng = RNG(seed: 402)
        let N = 5, F = 13
        let x = randomFloats(N * 2 * F, std: 2.5, rng: &rng), dx = randomFloats(N * 2 * F, rng: &rng)
        var tangent = [Float](repeating: .nan, count: N * F)
        SwiGLU.tangent(out: &tangent, inp: x, inpTangent: dx, N: N, F: F)
        #expect(relativeError(tangent, directionalDifference { Ref.swiGLU(moved(x, dx, $0), N: N, F: F) }) < 1e-5)
    }

    @Test func groupedQueryAttention() {
        var rng = RNG(seed: 403)
        let B = 2, T = 7, NH = 6, NKV = 2, hs = 4, C = NH * hs, ld = C + 2 * NKV * hs
        let qkv = randomFloats(B * T * ld, rng: &rng), dqkv = randomFloats(B * T * ld, rng: &rng)
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
        Attention.forward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH, kvHeads: NKV)
        var tangent = [Float](repeating: .nan, count: B * T * C), scratch = [Float](repeating: 0, count: 2 * T * T)
        Attention.tangent(
            out: &tangent, scratch: &scratch, scratchSlots: 2, qkvTangent: dqkv, att: att, qkv: qkv,
            B: B, T: T, C: C, NH: NH, kvHeads: NKV)
        let fd = directionalDifference {
            Ref.groupedQueryAttention(moved(qkv, dqkv, $0), B: B, T: T, C: C, NH: NH, NKV: NKV)
        }
        #expect(relativeError(tangent, fd) < 1e-5)
    }
}

/// The whole Llama's `directionalDerivative` against central differences of the Float64
/// reference along the same direction, and its duality with `backward`.
@Suite("Llama directional derivative (forward mode)")
struct LlamaDirectionalDerivativeTests {
    static let B = LlamaGradientTests.B, T = LlamaGradientTests.T

    static func direction(seed: UInt64, count: Int) -> [Float] {
        var rng = RNG(seed: seed)
        return randomFloats(count, std: 0.3, rng: &rng)
    }

    @Test(arguments: [LlamaGradientTests.tied, LlamaGradientTests.untied, LlamaGradientTests.llama3, LlamaGradientTests.qwen2])
    func matchesFiniteDifferencesOfTheReference(config: LlamaConfig) throws {
        let model = try randomLlama(config, seed: 501)
        let (tokens, targets, mask) = LlamaGradientTests.batch(config, seed: 502)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let v = Self.direction(seed: 503, count: model.parameterCount)
        let blocks = Set(0..<config.nLayer)
        let jvp = model.directionalDerivative(along: v, hiddenBlocks: blocks)
        #expect(jvp.batch == Self.B && jvp.seq == Self.T && jvp.vocabSize == config.vocabSize && jvp.width == config.nEmbd)
        #expect(Set(jvp.hidden.keys) == blocks)

        let p = model.parameters.array, V = config.vocabSize
        var outputs: [Double: (logits: [Double], hidden: [[Double]])] = [:]
        for e in [1e-5, -1e-5] { outputs[e] = Ref.llama(config, moved(p, v, e), tokens: tokens, B: Self.B, T: Self.T) }
        let logitErr = relativeError(jvp.logits, directionalDifference { outputs[$0]!.logits })
        #expect(logitErr < 1e-4, "logits: \(logitErr)")
        let logProbErr = relativeError(
            jvp.targetLogProbs,
            directionalDifference { e in
                let lp = Ref.logSoftmax(outputs[e]!.logits, N: tokens.count, V: V)
                return tokens.indices.map { targets[$0] >= 0 ? lp[$0 * V + Int(targets[$0])] : 0 }
            })
        #expect(logProbErr < 1e-4, "target log-probs: \(logProbErr)")
        #expect(jvp.targetLogProbs[Self.T + 7] == 0)   // no target there
        var worstHidden = 0.0
        for l in blocks {
            let err = relativeError(jvp.hidden[l]!, directionalDifference { outputs[$0]!.hidden[l] })
            worstHidden = max(worstHidden, err)
            #expect(err < 1e-4, "hidden \(l): \(err)")
        }
        print(
            "Llama directional derivative vs Float64 central differences (tied \(config.tiedEmbeddings)): logits \(logitErr), target log-probs \(logProbErr), hidden (worst) \(worstHidden)"
        )
    }

    /// ⟨G, J·v⟩ = ⟨JᵀG, v⟩ for a logit gradient G and a residual gradient, and the NLL through
    /// the target log-prob tangents: the identity the G-effect split relies on.
    @Test func dualityWithBackward() throws {
        let config = LlamaGradientTests.untied
        let model = try randomLlama(config, seed: 511)
        let (tokens, targets, mask) = LlamaGradientTests.batch(config, seed: 512)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let N = Self.B * Self.T, V = config.vocabSize, C = config.nEmbd
        let v = Self.direction(seed: 513, count: model.parameterCount)
        let jvp = model.directionalDerivative(along: v, hiddenBlocks: [1])
        var rng = RNG(seed: 514)
        let g = randomFloats(N * V, rng: &rng), r = randomFloats(N * C, rng: &rng)

        func vjp(_ logitGradient: [Float], residual: [Float]?) -> Double {
            model.zeroGradients()
            logitGradient.withUnsafeBufferPointer { gp in
                if let residual {
                    residual.withUnsafeBufferPointer {
                        model.backward(
                            logitGradient: gp.baseAddress!, residualGradients: [.init(block: 1, gradient: $0.baseAddress!)])
                    }
                } else {
                    model.backward(logitGradient: gp.baseAddress!)
                }
            }
            return dot(model.gradients.array, v)
        }
        func check(_ name: String, _ forward: Double, _ reverse: Double) {
            let err = abs(forward - reverse) / abs(reverse)
            print("Llama duality \(name): ⟨G, J·v⟩ \(forward), ⟨v, Jᵀ G⟩ \(reverse), relative \(err)")
            #expect(err < 1e-5, "\(name): \(forward) vs \(reverse)")
        }
        check("logits", dot(g, jvp.logits), vjp(g, residual: nil))
        check("logits + residual after block 1", dot(g, jvp.logits) + dot(r, jvp.hidden[1]!), vjp(g, residual: r))
        let c = model.meanNLLCoefficients(mask: mask)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: c, into: d)
        check("NLL via target log-probs", -dot(c, jvp.targetLogProbs), vjp(Array(model.logitGradientScratch), residual: nil))
    }

    @Test func leavesTheModelAsItWas() throws {
        let config = LlamaGradientTests.tied
        let model = try randomLlama(config, seed: 521)
        let batch = LlamaGradientTests.batch(config, seed: 522)
        let loss = try LlamaGradientTests.meanNLLGradient(model, batch)
        func state() -> [[Float]] {
            [
                Array(model.logits), Array(model.targetLogProbs), Array(model.logSumExp), Array(model.logitGradientScratch),
                model.parameters.array, model.gradients.array,
            ] + (0..<config.nLayer).map { Array(model.hiddenState(afterBlock: $0)) }
        }
        let before = state()
        let v = Self.direction(seed: 523, count: model.parameterCount)
        let first = model.directionalDerivative(along: v, hiddenBlocks: [0])
        #expect(state() == before)
        let second = model.directionalDerivative(along: v, hiddenBlocks: [0])
        #expect(first.logits == second.logits && first.targetLogProbs == second.targetLogProbs && first.hidden == second.hidden)
        #expect(
            try model.forward(tokens: batch.tokens, targets: batch.targets, mask: batch.mask, batch: Self.B, seq: Self.T) == loss)
        let zero = model.directionalDerivative(along: [Float](repeating: 0, count: model.parameterCount), hiddenBlocks: [1])
        #expect(zero.logits.allSatisfy { $0 == 0 } && zero.hidden[1]!.allSatisfy { $0 == 0 })
    }
}
