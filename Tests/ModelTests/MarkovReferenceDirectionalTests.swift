import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The reference Markov model's `directionalDerivative` against central differences of the
/// Float64 reference along the same direction, and its duality with `backward`.
@Suite("Reference Markov model directional derivative (forward mode)")
struct MarkovReferenceDirectionalTests {
    static let B = MarkovReferenceGradientTests.B, T = MarkovReferenceGradientTests.T

    static func direction(seed: UInt64, count: Int) -> [Float] {
        var rng = RNG(seed: seed)
        return randomFloats(count, std: 0.3, rng: &rng)
    }

    /// `(f(h) − f(−h)) / 2h` of the reference's outputs at θ ± h·v.
    static func centralDifference(h: Double = 1e-5, _ f: (Double) -> [Double]) -> [Double] {
        let fp = f(h), fm = f(-h)
        return zip(fp, fm).map { ($0 - $1) / (2 * h) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test(arguments: [MarkovReferenceGradientTests.odd, MarkovReferenceGradientTests.markovLike])
    func matchesFiniteDifferencesOfTheReference(config: MarkovReferenceConfig) throws {
        let model = try randomMarkovReference(config, seed: 501)
        let (tokens, targets, mask) = MarkovReferenceGradientTests.batch(config, seed: 502)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let v = Self.direction(seed: 503, count: model.parameterCount)
        let blocks = Set(0..<config.nLayer)
        let jvp = model.directionalDerivative(along: v, hiddenBlocks: blocks)
        #expect(jvp.batch == Self.B && jvp.seq == Self.T && jvp.vocabSize == config.vocabSize && jvp.width == config.nEmbd)
        #expect(Set(jvp.hidden.keys) == blocks)

        let p = model.parameters.array, V = config.vocabSize
        var outputs: [Double: (logits: [Double], hidden: [[Double]])] = [:]
        for e in [1e-5, -1e-5] {
            let moved = zip(p, v).map { Double($0) + e * Double($1) }
            outputs[e] = Ref.markovReference(config, moved, tokens: tokens, B: Self.B, T: Self.T)
        }
        let logitErr = relativeError(jvp.logits, Self.centralDifference { outputs[$0]!.logits })
        #expect(logitErr < 1e-4, "logits: \(logitErr)")
        let logProbErr = relativeError(
            jvp.targetLogProbs,
            Self.centralDifference { e in
                let lp = Ref.logSoftmax(outputs[e]!.logits, N: tokens.count, V: V)
                return tokens.indices.map { targets[$0] >= 0 ? lp[$0 * V + Int(targets[$0])] : 0 }
            })
        #expect(logProbErr < 1e-4, "target log-probs: \(logProbErr)")
        #expect(jvp.targetLogProbs[Self.T + 7] == 0)   // no target there
        var worstHidden = 0.0
        for l in blocks {
            let err = relativeError(jvp.hidden[l]!, Self.centralDifference { outputs[$0]!.hidden[l] })
            worstHidden = max(worstHidden, err)
            #expect(err < 1e-4, "hidden \(l): \(err)")
        }
        print(
            "reference Markov model directional derivative vs Float64 central differences (\(config.nLayer)×\(config.nEmbd)): logits \(logitErr), target log-probs \(logProbErr), hidden (worst) \(worstHidden)"
        )
    }

    /// ⟨G, J·v⟩ = ⟨JᵀG, v⟩ for a logit gradient G and for a residual gradient, and the NLL through
    /// the target log-prob tangents: the identity the G-effect split relies on.
    @Test func dualityWithBackward() throws {
        let config = MarkovReferenceGradientTests.odd
        let model = try randomMarkovReference(config, seed: 511)
        let (tokens, targets, mask) = MarkovReferenceGradientTests.batch(config, seed: 512)
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
            return Self.dot(model.gradients.array, v)
        }
        func check(_ name: String, _ forward: Double, _ reverse: Double) {
            let err = abs(forward - reverse) / abs(reverse)
            print("reference Markov model duality \(name): ⟨G, J·v⟩ \(forward), ⟨v, Jᵀ G⟩ \(reverse), relative \(err)")
            #expect(err < 1e-5, "\(name): \(forward) vs \(reverse)")
        }
        check("logits", Self.dot(g, jvp.logits), vjp(g, residual: nil))
        check("residual after block 1", Self.dot(r, jvp.hidden[1]!), vjp([Float](repeating: 0, count: N * V), residual: r))
        let c = model.meanNLLCoefficients(mask: mask)
        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: c, into: d)
        check(
            "NLL via target log-probs", -Self.dot(c, jvp.targetLogProbs), vjp(Array(model.logitGradientScratch), residual: nil))
    }

    /// A direction along the head's bias alone moves every logit of class v by v_b[v].
    @Test func theHeadBiasTangentReachesTheLogits() throws {
        let config = MarkovReferenceGradientTests.markovLike
        let model = try randomMarkovReference(config, seed: 531)
        let (tokens, targets, mask) = MarkovReferenceGradientTests.batch(config, seed: 532)
        try model.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        var v = [Float](repeating: 0, count: model.parameterCount)
        for (i, index) in model.layout["output_layer.bias"]!.range.enumerated() { v[index] = Float(i + 1) }
        let jvp = model.directionalDerivative(along: v)
        let V = config.vocabSize
        #expect((0..<(Self.B * Self.T * V)).allSatisfy { jvp.logits[$0] == Float($0 % V + 1) })
    }

    @Test func leavesTheModelAsItWas() throws {
        let config = MarkovReferenceGradientTests.markovLike
        let model = try randomMarkovReference(config, seed: 521)
        let batch = MarkovReferenceGradientTests.batch(config, seed: 522)
        let loss = try MarkovReferenceGradientTests.meanNLLGradient(model, batch)
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
