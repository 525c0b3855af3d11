import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The Llama layers' Float32 forward against the Float64 reference, and their Float32 backward
/// against central finite differences of `f = Σ G ⊙ layer(…)` computed in Float64, G a random
/// upstream gradient. Sizes are odd on purpose, so the 8-lane loops' scalar tails are exercised.
@Suite("Llama layers forward/backward against Float64 finite differences")
struct LlamaLayerGradientTests {
    private static func pairing(_ y: [Double], _ g: [Float]) -> Double { zip(y, g).reduce(0) { $0 + $1.0 * Double($1.1) } }

    @Test func rmsNorm() {
        var rng = RNG(seed: 301)
        let N = 4, C = 19, eps = 1e-5
        let x = randomFloats(N * C, std: 2, mean: 0.5, rng: &rng)
        let w = randomFloats(C, std: 0.2, mean: 1, rng: &rng), g = randomFloats(N * C, rng: &rng)
        var out = [Float](repeating: 0, count: N * C), rstd = [Float](repeating: 0, count: N)
        RMSNorm.forward(out: &out, rstd: &rstd, inp: x, weight: w, eps: Float(eps), N: N, C: C)
        #expect(relativeError(out, Ref.rmsNorm(x.doubles, w.doubles, eps: eps, N: N, C: C)) < 1e-6)

        // Both gradients accumulate onto what was there (the residual stream's passes through).
        let dx0 = randomFloats(N * C, rng: &rng), dw0 = randomFloats(C, rng: &rng)
        var dx = dx0, dw = dw0
        RMSNorm.backward(dinp: &dx, dweight: &dw, dout: g, inp: x, weight: w, rstd: rstd, N: N, C: C)
        func f(_ x: [Double], _ w: [Double]) -> Double { Self.pairing(Ref.rmsNorm(x, w, eps: eps, N: N, C: C), g) }
        let dxErr = relativeError(zip(dx, dx0).map { $0 - $1 }, finiteDifferenceGradient(x.doubles) { f($0, w.doubles) })
        let dwErr = relativeError(zip(dw, dw0).map { $0 - $1 }, finiteDifferenceGradient(w.doubles) { f(x.doubles, $0) })
        print("RMSNorm backward vs finite differences: input \(dxErr), weight \(dwErr)")
        #expect(dxErr < 1e-5)
        #expect(dwErr < 1e-5)
    }

    /// Tables, rotation of the q and k heads of fused rows (v untouched), and the backward as
    /// the inverse rotation. Head size 10: pairs (i, i+5), a scalar tail; 18: 8 lanes + a tail.
    @Test func rotaryEmbedding() {
        for (hs, base) in [(10, 10_000.0), (18, 100_000.0)] {
            var rng = RNG(seed: 302)
            let B = 2, T = 5, N = B * T, heads = 3, ld = heads * hs + 7   // 7 trailing columns stay
            var cos = [Float](repeating: 0, count: T * hs / 2), sin = cos
            RotaryEmbedding.tables(cos: &cos, sin: &sin, T: T, headSize: hs, base: base)
            for t in 0..<T {
                for i in 0..<(hs / 2) {
                    let angle = Double(t) * Foundation.pow(base, -2 * Double(i) / Double(hs))
                    #expect(abs(Double(cos[t * hs / 2 + i]) - Foundation.cos(angle)) < 1e-7)
                    #expect(abs(Double(sin[t * hs / 2 + i]) - Foundation.sin(angle)) < 1e-7)
                }
            }
            let x = randomFloats(N * ld, rng: &rng), g = randomFloats(N * ld, rng: &rng)
            var y = x
            RotaryEmbedding.forward(&y, cos: cos, sin: sin, heads: heads, headSize: hs, ld: ld, B: B, T: T)
            let ref = Ref.rope(x.doubles, heads: heads, hs: hs, ld: ld, N: N, T: T, base: base)
            #expect(relativeError(y, ref) < 1e-6)
            #expect((0..<N).allSatisfy { n in (heads * hs..<ld).allSatisfy { y[n * ld + $0] == x[n * ld + $0] } })
            #expect((0..<heads).allSatisfy { y[$0 * hs] == x[$0 * hs] })   // position 0: no rotation

            var dx = g
            RotaryEmbedding.backward(&dx, cos: cos, sin: sin, heads: heads, headSize: hs, ld: ld, B: B, T: T)
            let fd = finiteDifferenceGradient(x.doubles) {
                Self.pairing(Ref.rope($0, heads: heads, hs: hs, ld: ld, N: N, T: T, base: base), g)
            }
            let err = relativeError(dx, fd)
            print("RoPE (head size \(hs)) backward vs finite differences: \(err)")
            #expect(err < 1e-5)
        }
    }

    /// Grouped-query attention: 6 query heads on 2 key/value heads (groups of 3), on 1, and on 6
    /// (plain multi-head attention, which must equal the GPT path bit for bit).
    @Test func groupedQueryAttention() {
        for NKV in [2, 1, 6] {
            var rng = RNG(seed: 303)
            let B = 2, T = 7, NH = 6, hs = 4, C = NH * hs, ld = C + 2 * NKV * hs
            let qkv = randomFloats(B * T * ld, rng: &rng), g = randomFloats(B * T * C, rng: &rng)
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
            Attention.forward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH, kvHeads: NKV)
            #expect(relativeError(out, Ref.groupedQueryAttention(qkv.doubles, B: B, T: T, C: C, NH: NH, NKV: NKV)) < 1e-6)

            var dqkv = [Float](repeating: .nan, count: qkv.count), scratch = [Float](repeating: 0, count: 2 * T * T)
            Attention.backward(
                dqkv: &dqkv, scratch: &scratch, scratchSlots: 2, dout: g, att: att, qkv: qkv,
                B: B, T: T, C: C, NH: NH, kvHeads: NKV)
            let fd = finiteDifferenceGradient(qkv.doubles) {
                Self.pairing(Ref.groupedQueryAttention($0, B: B, T: T, C: C, NH: NH, NKV: NKV), g)
            }
            let err = relativeError(dqkv, fd)
            print("GQA attention (\(NH) query heads on \(NKV)) backward vs finite differences: \(err)")
            #expect(err < 1e-5)

            if NKV == NH {
                var mha = [Float](repeating: 0, count: B * T * C), mhaAtt = att, mhaGrad = dqkv
                Attention.forward(out: &mha, att: &mhaAtt, qkv: qkv, B: B, T: T, C: C, NH: NH)
                Attention.backward(
                    dqkv: &mhaGrad, scratch: &scratch, scratchSlots: 2, dout: g, att: mhaAtt, qkv: qkv,
                    B: B, T: T, C: C, NH: NH)
                #expect(mha == out && mhaAtt == att && mhaGrad == dqkv)
            }
        }
    }

    @Test func swiGLU() {
        var rng = RNG(seed: 304)
        let N = 5, F = 13
        let x = randomFloats(N * 2 * F, std: 2.5, rng: &rng), g = randomFloats(N * F, rng: &rng)
        var out = [Float](repeating: 0, count: N * F)
        SwiGLU.forward(out: &out, inp: x, N: N, F: F)
        #expect(relativeError(out, Ref.swiGLU(x.doubles, N: N, F: F)) < 1e-6)
        var dx = [Float](repeating: .nan, count: N * 2 * F)
        SwiGLU.backward(dinp: &dx, inp: x, dout: g, N: N, F: F)
        let err = relativeError(dx, finiteDifferenceGradient(x.doubles) { Self.pairing(Ref.swiGLU($0, N: N, F: F), g) })
        print("SwiGLU backward vs finite differences: \(err)")
        #expect(err < 1e-5)
        // Far out on both sides σ saturates without overflow: silu(−90) ≈ 0, silu(90) = 90.
        var big = [Float](repeating: 1, count: 2 * 8), y = [Float](repeating: .nan, count: 8)
        big[0] = -90; big[1] = 90
        SwiGLU.forward(out: &y, inp: big, N: 1, F: 8)
        #expect(abs(y[0]) < 1e-30 && y[1] == 90)
    }

    /// Linear without bias: the forward with and without residual (also in place), and the
    /// backward that leaves no bias gradient.
    @Test func linearWithoutBias() {
        var rng = RNG(seed: 305)
        let N = 6, C = 11, OC = 13
        let x = randomFloats(N * C, rng: &rng), w = randomFloats(OC * C, std: 0.3, rng: &rng)
        let r = randomFloats(N * OC, rng: &rng), g = randomFloats(N * OC, rng: &rng)
        let zero = [Double](repeating: 0, count: OC)
        var out = [Float](repeating: .nan, count: N * OC)
        Linear.forward(out: &out, inp: x, weight: w, bias: nil, N: N, C: C, OC: OC)
        #expect(relativeError(out, Ref.linear(x.doubles, w.doubles, zero, N: N, C: C, OC: OC)) < 1e-6)
        let withResidual = zip(Ref.linear(x.doubles, w.doubles, zero, N: N, C: C, OC: OC), r.doubles).map(+)
        Linear.forward(out: &out, inp: x, weight: w, bias: nil, residual: r, N: N, C: C, OC: OC)
        #expect(relativeError(out, withResidual) < 1e-6)
        var inPlace = r
        inPlace.withUnsafeMutableBufferPointer { o in
            Linear.forward(out: o.baseAddress!, inp: x, weight: w, bias: nil, residual: o.baseAddress!, N: N, C: C, OC: OC)
        }
        #expect(inPlace == out)

        var dx = [Float](repeating: .nan, count: N * C), dw = [Float](repeating: 0.5, count: OC * C)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: nil, dout: g, inp: x, weight: w, ones: nil, N: N, C: C, OC: OC)
        func f(_ x: [Double], _ w: [Double]) -> Double { Self.pairing(Ref.linear(x, w, zero, N: N, C: C, OC: OC), g) }
        #expect(relativeError(dx, finiteDifferenceGradient(x.doubles) { f($0, w.doubles) }) < 1e-5)
        #expect(relativeError(dw.map { $0 - 0.5 }, finiteDifferenceGradient(w.doubles) { f(x.doubles, $0) }) < 1e-5)
    }

    @Test func tokenEmbeddingAlone() {
        var rng = RNG(seed: 306)
        let N = 6, C = 10, V = 5
        let tokens: [Int32] = [1, 4, 1, 3, 0, 1]
        let wte = randomFloats(V * C, rng: &rng)
        var out = [Float](repeating: .nan, count: N * C)
        Encoder.tokenEmbeddingForward(out: &out, tokens: tokens, wte: wte, N: N, C: C)
        #expect((0..<(N * C)).allSatisfy { out[$0] == wte[Int(tokens[$0 / C]) * C + $0 % C] })
    }
}
