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

/// Partial rotary embeddings against the Float64 reference, their backward as the transpose of
/// the forward, and the whole-head case against `RotaryEmbedding`.
@Suite("Partial rotary embeddings")
struct PartialRotaryEmbeddingTests {
    /// Rows of 3 heads of 10 (q) and 2 more (k) plus 7 pass-through floats; 4 of 10 dimensions
    /// rotate (factor 0.4), then 10 of 10, and 18 of 20 (a SIMD vector and a tail of the pairs).
    @Test(arguments: [(10, 4), (10, 10), (20, 18)])
    func forwardBackwardAndPositions(hs: Int, rd: Int) {
        var rng = RNG(seed: 301)
        let B = 2, T = 9, heads = 5, ld = heads * hs + 7, N = B * T, base = 500.0
        let x = randomFloats(N * ld, rng: &rng)
        let cos = FloatBuffer(count: T * rd / 2), sin = FloatBuffer(count: T * rd / 2)
        RotaryEmbedding.tables(cos: cos.base, sin: sin.base, T: T, headSize: rd, base: base)
        var y = x
        PartialRotaryEmbedding.forward(
            &y, cos: cos.base, sin: sin.base, heads: heads, headSize: hs, rotaryDim: rd, ld: ld, B: B, T: T)
        let reference = Ref.partialRope(x.doubles, heads: heads, hs: hs, rd: rd, ld: ld, N: N, T: T, base: base)
        #expect(relativeError(y, reference) < 1e-6)
        // Dimensions rd..<hs of every head, and the columns after the heads, are untouched.
        for n in 0..<N {
            for h in 0..<heads { for j in rd..<hs { #expect(y[n * ld + h * hs + j] == x[n * ld + h * hs + j]) } }
            for j in (heads * hs)..<ld { #expect(y[n * ld + j] == x[n * ld + j]) }
        }
        // Backward is the transpose: ⟨dy, R·x⟩ = ⟨Rᵀ·dy, x⟩.
        let dy = randomFloats(N * ld, rng: &rng)
        var dx = dy
        PartialRotaryEmbedding.backward(
            &dx, cos: cos.base, sin: sin.base, heads: heads, headSize: hs, rotaryDim: rd, ld: ld, B: B, T: T)
        #expect(abs(dot(dy, y) - dot(dx, x)) < 1e-4 * abs(dot(dy, y)))
        // Positions given one by one are the rows' positions.
        let positions = (0..<N).map { $0 % T }
        var z = x
        PartialRotaryEmbedding.forward(
            &z, cos: cos.base, sin: sin.base, heads: heads, headSize: hs, rotaryDim: rd, ld: ld, positions: positions, N: N)
        #expect(z == y)
        if rd == hs {
            var w = x
            RotaryEmbedding.forward(&w, cos: cos.base, sin: sin.base, heads: heads, headSize: hs, ld: ld, B: B, T: T)
            #expect(w == y, "with every dimension rotating it is RotaryEmbedding")
        }
    }
}

/// The whole Phi's `directionalDerivative` against central differences of the Float64 reference
/// along the same direction, and its duality with `backward`.
@Suite("Phi directional derivative (forward mode)")
struct PhiDirectionalDerivativeTests {
    static let B = PhiGradientTests.B, T = PhiGradientTests.T

    static func direction(seed: UInt64, count: Int) -> [Float] {
        var rng = RNG(seed: seed)
        return randomFloats(count, std: 0.3, rng: &rng)
    }

    @Test(arguments: [PhiGradientTests.multiHead, PhiGradientTests.grouped])
    func matchesFiniteDifferencesOfTheReference(config: PhiConfig) throws {
        let model = try randomPhi(config, seed: 501)
        let (tokens, targets, mask) = PhiGradientTests.batch(config, seed: 502)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let v = Self.direction(seed: 503, count: model.parameterCount)
        let blocks = Set(0..<config.nLayer)
        let jvp = model.directionalDerivative(along: v, hiddenBlocks: blocks)
        #expect(jvp.batch == Self.B && jvp.seq == Self.T && jvp.vocabSize == config.vocabSize && jvp.width == config.nEmbd)
        #expect(Set(jvp.hidden.keys) == blocks)

        let p = model.parameters.array, V = config.vocabSize
        var outputs: [Double: (logits: [Double], hidden: [[Double]])] = [:]
        for e in [1e-5, -1e-5] { outputs[e] = Ref.phi(config, moved(p, v, e), tokens: tokens, B: Self.B, T: Self.T) }
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
            "Phi directional derivative vs Float64 central differences (\(config.nKVHead) key/value heads): logits \(logitErr), target log-probs \(logProbErr), hidden (worst) \(worstHidden)"
        )
    }

    /// A direction along the head's bias alone moves every logit of class v by v_b[v]: the bias
    /// tangent reaches the logits.
    @Test func theHeadBiasTangentReachesTheLogits() throws {
        let config = PhiGradientTests.multiHead
        let model = try randomPhi(config, seed: 531)
        let (tokens, targets, mask) = PhiGradientTests.batch(config, seed: 532)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        var v = [Float](repeating: 0, count: model.parameterCount)
        let bias = model.layout["lm_head.bias"]!
        for (i, index) in bias.range.enumerated() { v[index] = Float(i + 1) }
        let jvp = model.directionalDerivative(along: v)
        let V = config.vocabSize
        #expect((0..<(Self.B * Self.T * V)).allSatisfy { jvp.logits[$0] == Float($0 % V + 1) })
    }

    /// ⟨G, J·v⟩ = ⟨JᵀG, v⟩ for a logit gradient G and for a residual gradient, and the NLL through
    /// the target log-prob tangents: the identity the G-effect split relies on.
    @Test func dualityWithBackward() throws {
        let config = PhiGradientTests.grouped
        let model = try randomPhi(config, seed: 511)
        let (tokens, targets, mask) = PhiGradientTests.batch(config, seed: 512)
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
            print("Phi duality \(name): ⟨G, J·v⟩ \(forward), ⟨v, Jᵀ G⟩ \(reverse), relative \(err)")
            #expect(err < 1e-5, "\(name): \(forward) vs \(reverse)")
        }
        check("logits", dot(g, jvp.logits), vjp(g, residual: nil))
        // The residual term alone (a zero logit gradient): checked on its own, since its sum with
        // the logit term cancels to a small number whose relative error says little.
        check("residual after block 1", dot(r, jvp.hidden[1]!), vjp([Float](repeating: 0, count: N * V), residual: r))
        let c = model.meanNLLCoefficients(mask: mask)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: c, into: d)
        check("NLL via target log-probs", -dot(c, jvp.targetLogProbs), vjp(Array(model.logitGradientScratch), residual: nil))
    }

    @Test func leavesTheModelAsItWas() throws {
        let config = PhiGradientTests.multiHead
        let model = try randomPhi(config, seed: 521)
        let batch = PhiGradientTests.batch(config, seed: 522)
        let loss = try PhiGradientTests.meanNLLGradient(model, batch)
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
