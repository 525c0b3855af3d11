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

/// Every layer's `tangent` against central differences of its Float64 reference forward along a
/// random direction of its inputs and parameters. Odd sizes exercise the SIMD loops' tails.
@Suite("Layer tangents against Float64 finite differences")
struct LayerTangentTests {
    @Test func linear() {
        var rng = RNG(seed: 101)
        let N = 6, C = 11, OC = 13
        let x = randomFloats(N * C, rng: &rng), w = randomFloats(OC * C, std: 0.3, rng: &rng)
        let b = randomFloats(OC, rng: &rng), r = randomFloats(N * OC, rng: &rng)
        let dx = randomFloats(N * C, rng: &rng), dw = randomFloats(OC * C, std: 0.3, rng: &rng)
        let db = randomFloats(OC, rng: &rng), dr = randomFloats(N * OC, rng: &rng)
        func f(_ e: Double, bias: Bool, residual: Bool) -> [Double] {
            let y = Ref.linear(
                moved(x, dx, e), moved(w, dw, e),
                bias ? moved(b, db, e) : [Double](repeating: 0, count: OC), N: N, C: C, OC: OC)
            return residual ? zip(y, moved(r, dr, e)).map(+) : y
        }
        for (bias, residual) in [(true, false), (false, false), (true, true), (false, true)] {
            var out = [Float](repeating: .nan, count: N * OC)
            db.withUnsafeBufferPointer { dbp in
                dr.withUnsafeBufferPointer { drp in
                    Linear.tangent(
                        out: &out, inp: x, inpTangent: dx, weight: w, weightTangent: dw,
                        biasTangent: bias ? dbp.baseAddress! : nil,
                        residualTangent: residual ? drp.baseAddress! : nil, N: N, C: C, OC: OC)
                }
            }
            let err = relativeError(out, directionalDifference { f($0, bias: bias, residual: residual) })
            #expect(err < 1e-5, "bias \(bias), residual \(residual): \(err)")
        }
        // In place on the residual's tangent, as the model uses it.
        var inPlace = dr
        inPlace.withUnsafeMutableBufferPointer { o in
            Linear.tangent(
                out: o.baseAddress!, inp: x, inpTangent: dx, weight: w, weightTangent: dw, biasTangent: db,
                residualTangent: o.baseAddress!, N: N, C: C, OC: OC)
        }
        #expect(relativeError(inPlace, directionalDifference { f($0, bias: true, residual: true) }) < 1e-5)
    }

    @Test func layerNorm() {
        var rng = RNG(seed: 102)
        let N = 4, C = 19
        let x = randomFloats(N * C, std: 2, mean: 0.5, rng: &rng)
        let w = randomFloats(C, std: 0.2, mean: 1, rng: &rng), b = randomFloats(C, std: 0.2, rng: &rng)
        let dx = randomFloats(N * C, rng: &rng), dw = randomFloats(C, rng: &rng), db = randomFloats(C, rng: &rng)
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, N: N, C: C)
        var tangent = [Float](repeating: .nan, count: N * C)
        LayerNorm.tangent(
            out: &tangent, inp: x, inpTangent: dx, weight: w, weightTangent: dw, biasTangent: db,
            mean: mean, rstd: rstd, N: N, C: C)
        let fd = directionalDifference { e in Ref.layerNorm(moved(x, dx, e), moved(w, dw, e), moved(b, db, e), N: N, C: C) }
        #expect(relativeError(tangent, fd) < 1e-5)
    }

    @Test func gelu() {
        var rng = RNG(seed: 103)
        let n = 37
        let x = randomFloats(n, std: 2.5, rng: &rng), dx = randomFloats(n, rng: &rng)
        var out = [Float](repeating: .nan, count: n)
        GELU.tangent(out: &out, inp: x, inpTangent: dx, count: n)
        #expect(relativeError(out, directionalDifference { Ref.gelu(moved(x, dx, $0)) }) < 1e-5)
    }

    @Test func attention() {
        var rng = RNG(seed: 104)
        let B = 2, T = 7, C = 12, NH = 3
        let qkv = randomFloats(B * T * 3 * C, rng: &rng), dqkv = randomFloats(B * T * 3 * C, rng: &rng)
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
        Attention.forward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        var tangent = [Float](repeating: .nan, count: B * T * C), scratch = [Float](repeating: 0, count: 2 * T * T)
        Attention.tangent(
            out: &tangent, scratch: &scratch, scratchSlots: 2, qkvTangent: dqkv, att: att, qkv: qkv,
            B: B, T: T, C: C, NH: NH)
        let fd = directionalDifference { Ref.attention(moved(qkv, dqkv, $0), B: B, T: T, C: C, NH: NH) }
        #expect(relativeError(tangent, fd) < 1e-5)
    }

    @Test func encoder() {
        var rng = RNG(seed: 105)
        let B = 2, T = 3, C = 10, V = 6
        let tokens: [Int32] = [1, 4, 1, 5, 0, 1]
        let wte = randomFloats(V * C, rng: &rng), wpe = randomFloats(T * C, rng: &rng)
        let dwte = randomFloats(V * C, rng: &rng), dwpe = randomFloats(T * C, rng: &rng)
        var out = [Float](repeating: .nan, count: B * T * C)
        Encoder.tangent(out: &out, tokens: tokens, wteTangent: dwte, wpeTangent: dwpe, B: B, T: T, C: C)
        let fd = directionalDifference { e in
            let te = moved(wte, dwte, e), pe = moved(wpe, dwpe, e)
            return (0..<(B * T * C)).map { i in te[Int(tokens[i / C]) * C + i % C] + pe[(i / C % T) * C + i % C] }
        }
        #expect(relativeError(out, fd) < 1e-6)
    }

    @Test func targetLogProbs() {
        var rng = RNG(seed: 106)
        let N = 5, V = 21
        let logits = randomFloats(N * V, std: 3, rng: &rng), dlogits = randomFloats(N * V, rng: &rng)
        let targets: [Int32] = [3, 0, 20, -1, 7]
        var lse = [Float](repeating: 0, count: N), logp = lse
        LogSoftmax.forward(lse: &lse, logp: &logp, logits: logits, targets: targets, N: N, V: V)
        var out = [Float](repeating: .nan, count: N)
        LogSoftmax.tangent(out: &out, logitTangent: dlogits, logits: logits, lse: lse, targets: targets, N: N, V: V)
        let fd = directionalDifference { e in
            let lp = Ref.logSoftmax(moved(logits, dlogits, e), N: N, V: V)
            return (0..<N).map { targets[$0] >= 0 ? lp[$0 * V + Int(targets[$0])] : 0 }
        }
        #expect(out[3] == 0)
        #expect(relativeError(out, fd) < 1e-5)
    }
}

/// The whole model's `directionalDerivative` against central differences of the Float64
/// reference along the same direction, its duality with `backward`, and its side effects.
@Suite("GPT directional derivative (forward mode)")
struct DirectionalDerivativeTests {
    static let config = GPTGradientTests.config
    static let B = GPTGradientTests.B, T = GPTGradientTests.T

    /// A random direction over every parameter tensor.
    static func direction(seed: UInt64, count: Int) -> [Float] {
        var rng = RNG(seed: seed)
        return randomFloats(count, std: 0.3, rng: &rng)
    }

    @Test func matchesFiniteDifferencesOfTheReference() throws {
        let gpt = try GPTGradientTests.model(seed: 201)
        let (tokens, targets, mask) = GPTGradientTests.batch(seed: 202)
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let v = Self.direction(seed: 203, count: gpt.parameterCount)
        let jvp = gpt.directionalDerivative(along: v, hiddenBlocks: [0, 1, 2])
        #expect(
            jvp.batch == Self.B && jvp.seq == Self.T && jvp.vocabSize == Self.config.vocabSize && jvp.width == Self.config.nEmbd)
        #expect(Set(jvp.hidden.keys) == [0, 1, 2])

        let p = gpt.parameters.array, V = Self.config.vocabSize
        var outputs: [Double: (logits: [Double], hidden: [[Double]])] = [:]
        for e in [1e-5, -1e-5] { outputs[e] = Ref.gpt(Self.config, moved(p, v, e), tokens: tokens, B: Self.B, T: Self.T) }
        let logitsFD = directionalDifference { outputs[$0]!.logits }
        let logitErr = relativeError(jvp.logits, logitsFD)
        #expect(logitErr < 1e-4, "logits: \(logitErr)")
        let logProbFD = directionalDifference { e in
            let lp = Ref.logSoftmax(outputs[e]!.logits, N: tokens.count, V: V)
            return tokens.indices.map { targets[$0] >= 0 ? lp[$0 * V + Int(targets[$0])] : 0 }
        }
        let logProbErr = relativeError(jvp.targetLogProbs, logProbFD)
        #expect(logProbErr < 1e-4, "target log-probs: \(logProbErr)")
        #expect(jvp.targetLogProbs[Self.T + 6] == 0)   // no target there
        var worstHidden = 0.0
        for l in 0..<Self.config.nLayer {
            let err = relativeError(jvp.hidden[l]!, directionalDifference { outputs[$0]!.hidden[l] })
            worstHidden = max(worstHidden, err)
            #expect(err < 1e-4, "hidden \(l): \(err)")
        }
        print(
            "directional derivative vs Float64 central differences: logits \(logitErr), target log-probs \(logProbErr), hidden (worst) \(worstHidden)"
        )
    }

    /// ⟨G, J·v⟩ = ⟨J ᵀG, v⟩: the logit-gradient pairing with the logit tangent equals the gradient
    /// `backward` accumulates, paired with v. This is the identity the G-effect split relies on.
    @Test func dualityWithBackward() throws {
        let gpt = try GPTGradientTests.model(seed: 211)
        let (tokens, targets, mask) = GPTGradientTests.batch(seed: 212)
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let N = Self.B * Self.T, V = Self.config.vocabSize, C = Self.config.nEmbd
        let v = Self.direction(seed: 213, count: gpt.parameterCount)
        let jvp = gpt.directionalDerivative(along: v, hiddenBlocks: [1, 2])
        var rng = RNG(seed: 214)
        let g = randomFloats(N * V, rng: &rng), r = randomFloats(N * C, rng: &rng)
        let zeros = [Float](repeating: 0, count: N * V)

        func vjp(_ logitGradient: [Float], residual: (Int, [Float])?) -> Double {
            gpt.zeroGradients()
            logitGradient.withUnsafeBufferPointer { gp in
                if case let (block, rg)? = residual {
                    rg.withUnsafeBufferPointer {
                        gpt.backward(
                            logitGradient: gp.baseAddress!, residualGradients: [.init(block: block, gradient: $0.baseAddress!)])
                    }
                } else {
                    gpt.backward(logitGradient: gp.baseAddress!)
                }
            }
            return dot(gpt.gradients.array, v)
        }
        func check(_ name: String, _ forward: Double, _ reverse: Double) {
            let err = abs(forward - reverse) / abs(reverse)
            print("duality \(name): ⟨G, J·v⟩ \(forward), ⟨v, Jᵀ G⟩ \(reverse), relative \(err)")
            #expect(err < 1e-5, "\(name): \(forward) vs \(reverse)")
        }
        check("logits", dot(g, jvp.logits), vjp(g, residual: nil))
        check("logits + residual after block 1", dot(g, jvp.logits) + dot(r, jvp.hidden[1]!), vjp(g, residual: (1, r)))
        check("residual after block 2 alone", dot(r, jvp.hidden[2]!), vjp(zeros, residual: (2, r)))
        // The NLL's logit gradient against the target log-prob tangents: Σ cₙ·(−(log p(yₙ))˙).
        let c = gpt.meanNLLCoefficients(mask: mask)
        let d = gpt.logitGradientScratch.baseAddress!
        gpt.nllLogitGradient(coefficients: c, into: d)
        let nllGradient = Array(gpt.logitGradientScratch)
        check("NLL via target log-probs", -dot(c, jvp.targetLogProbs), vjp(nllGradient, residual: nil))
    }

    @Test func leavesTheModelAsItWas() throws {
        let gpt = try GPTGradientTests.model(seed: 221)
        let (tokens, targets, mask) = GPTGradientTests.batch(seed: 222)
        let loss = try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let d = gpt.logitGradientScratch.baseAddress!
        gpt.nllLogitGradient(coefficients: gpt.meanNLLCoefficients(mask: mask), into: d)
        gpt.zeroGradients()
        gpt.backward(logitGradient: d)
        func state() -> [[Float]] {
            [
                Array(gpt.logits), Array(gpt.targetLogProbs), Array(gpt.logSumExp), Array(gpt.logitGradientScratch),
                gpt.parameters.array, gpt.gradients.array,
            ]
                + (0..<Self.config.nLayer).map { Array(gpt.hiddenState(afterBlock: $0)) }
        }
        let before = state()
        let v = Self.direction(seed: 223, count: gpt.parameterCount)
        let first = gpt.directionalDerivative(along: v, hiddenBlocks: [0, 2])
        #expect(state() == before)
        // Twice gives the same bits (the scratch is reused), and a second backward still matches.
        let second = gpt.directionalDerivative(along: v, hiddenBlocks: [0, 2])
        #expect(first.logits == second.logits && first.targetLogProbs == second.targetLogProbs && first.hidden == second.hidden)
        let again = try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        #expect(again == loss)
        #expect(gpt.directionalDerivative(along: v).hidden.isEmpty)
    }

    /// The zero direction gives zero tangents; a direction on one tensor only moves what it should.
    @Test func directionsOnSingleTensors() throws {
        let gpt = try GPTGradientTests.model(seed: 231)
        let (tokens, targets, mask) = GPTGradientTests.batch(seed: 232)
        try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: Self.B, seq: Self.T)
        let zero = gpt.directionalDerivative(along: [Float](repeating: 0, count: gpt.parameterCount), hiddenBlocks: [0])
        #expect(zero.logits.allSatisfy { $0 == 0 } && zero.targetLogProbs.allSatisfy { $0 == 0 })
        #expect(zero.hidden[0]!.allSatisfy { $0 == 0 })
        // A direction on block 2 only leaves the residual stream after blocks 0 and 1 unmoved.
        var v = [Float](repeating: 0, count: gpt.parameterCount)
        let slot = gpt.layout["h.2.mlp.c_fc.weight"]!
        for i in slot.range { v[i] = 1 }
        let jvp = gpt.directionalDerivative(along: v, hiddenBlocks: [0, 1, 2])
        #expect(jvp.hidden[0]!.allSatisfy { $0 == 0 } && jvp.hidden[1]!.allSatisfy { $0 == 0 })
        #expect(jvp.hidden[2]!.contains { $0 != 0 })
    }
}

/// The forward-mode pass gives the same bits at any worker count (products cut into pieces, heads
/// spread over workers), like the forward and backward passes.
@Suite("Directional derivative, parallel execution", .serialized)
struct DirectionalDerivativeParallelTests {
    @Test func everyWorkerCountGivesTheSameBits() throws {
        let differences = try differencesAcrossWorkerCounts {
            let config = GPTConfig(nLayer: 2, nHead: 4, nEmbd: 128, vocabSize: 300, blockSize: 64)
            let B = 4, T = 64
            var rng = RNG(seed: 241)
            let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
            let targets = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
            let mask = [Float](repeating: 1, count: B * T)
            var initRNG = RNG(seed: 242)
            let gpt = try GPT(config: config)
            gpt.initializeGPT2(rng: &initRNG)
            try gpt.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
            var vRNG = RNG(seed: 243)
            let d = gpt.directionalDerivative(
                along: randomFloats(gpt.parameterCount, std: 0.01, rng: &vRNG), hiddenBlocks: [0, 1])
            return [("logits", d.logits.doubles), ("target log-probabilities", d.targetLogProbs.doubles)]
                + d.hidden.sorted { $0.key < $1.key }.map { ("hidden \($0.key)", $0.value.doubles) }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    /// Forward vs forward-mode time on the `small` model, batch 16 × 128, two workers. Opt in
    /// with `GSCOPE_TIMING=1` (it takes a few seconds), and set `OPENBLAS_CORETYPE` as `gscope`
    /// does (e.g. `SkylakeX`), else OpenBLAS may pick its slow SSE3 kernels in the test process.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GSCOPE_TIMING"] != nil))
    func timingOnTheSmallModel() throws {
        try withFixedThreadCount {
            Parallel.configure(threads: 2)
            defer { Parallel.configure(threads: 1) }
            let config = GPTConfig.small, B = 16, T = 128
            var rng = RNG(seed: 251)
            let gpt = try GPT(config: config)
            gpt.initializeGPT2(rng: &rng)
            let tokens = (0..<(B * T)).map { _ in Int32(rng.below(config.vocabSize)) }
            let mask = [Float](repeating: 1, count: B * T)
            let v = randomFloats(gpt.parameterCount, std: 0.01, rng: &rng)
            func ms(_ body: () throws -> Void) rethrows -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
            var forward: [Double] = [], jvp: [Double] = [], backward: [Double] = []
            let d = UnsafeMutablePointer<Float>.allocate(capacity: B * T * config.vocabSize)
            defer { d.deallocate() }
            d.initialize(repeating: 1e-4, count: B * T * config.vocabSize)
            for _ in 0..<6 {
                forward.append(try ms { try gpt.forward(tokens: tokens, targets: tokens, mask: mask, batch: B, seq: T) })
                jvp.append(ms { _ = gpt.directionalDerivative(along: v, hiddenBlocks: [3]) })
                backward.append(ms { gpt.backward(logitGradient: d) })
            }
            func median(_ x: [Double]) -> Double { let s = x.dropFirst().sorted(); return s[s.count / 2] }
            print(
                "small B=16 T=128, 2 workers, OpenBLAS \(BLAS.coreName) (median of 5): forward \(median(forward)) ms, directional derivative \(median(jvp)) ms, backward \(median(backward)) ms"
            )
        }
    }
}
