import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// Every layer's Float32 forward against the Float64 reference, and its Float32 backward against
/// central finite differences of `f = Σ G ⊙ layer(…)` computed in Float64, G a random upstream
/// gradient. Sizes are odd on purpose, so the 8-lane loops' scalar tails are exercised.
@Suite("Layer forward/backward against Float64 finite differences")
struct LayerGradientTests {
    @Test func linear() {
        var rng = RNG(seed: 1)
        let N = 6, C = 11, OC = 13
        let x = randomFloats(N * C, rng: &rng), w = randomFloats(OC * C, std: 0.3, rng: &rng)
        let b = randomFloats(OC, rng: &rng), r = randomFloats(N * OC, rng: &rng), g = randomFloats(N * OC, rng: &rng)
        var out = [Float](repeating: 0, count: N * OC)
        Linear.forward(out: &out, inp: x, weight: w, bias: b, residual: r, N: N, C: C, OC: OC)
        let ref = zip(Ref.linear(x.doubles, w.doubles, b.doubles, N: N, C: C, OC: OC), r.doubles).map(+)
        #expect(relativeError(out, ref) < 1e-6)

        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0.5, count: OC * C)
        var db = [Float](repeating: 0.25, count: OC)
        let ones = [Float](repeating: 1, count: N)
        Linear.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, ones: ones, N: N, C: C, OC: OC)
        func f(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(Ref.linear(x, w, b, N: N, C: C, OC: OC), g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(relativeError(dx, finiteDifferenceGradient(x.doubles) { f($0, w.doubles, b.doubles) }) < 1e-5)
        // Weight and bias gradients accumulate onto what was there.
        #expect(relativeError(dw.map { $0 - 0.5 }, finiteDifferenceGradient(w.doubles) { f(x.doubles, $0, b.doubles) }) < 1e-5)
        #expect(relativeError(db.map { $0 - 0.25 }, finiteDifferenceGradient(b.doubles) { f(x.doubles, w.doubles, $0) }) < 1e-5)
    }

    @Test func layerNorm() {
        var rng = RNG(seed: 2)
        let N = 4, C = 19
        let x = randomFloats(N * C, std: 2, mean: 0.5, rng: &rng)
        let w = randomFloats(C, std: 0.2, mean: 1, rng: &rng), b = randomFloats(C, std: 0.2, rng: &rng)
        let g = randomFloats(N * C, rng: &rng)
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        LayerNorm.forward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, N: N, C: C)
        #expect(relativeError(out, Ref.layerNorm(x.doubles, w.doubles, b.doubles, N: N, C: C)) < 1e-6)

        let dx0 = randomFloats(N * C, rng: &rng)
        var dx = dx0, dw = [Float](repeating: 0, count: C), db = dw
        LayerNorm.backward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, mean: mean, rstd: rstd, N: N, C: C)
        func f(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(Ref.layerNorm(x, w, b, N: N, C: C), g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        // The input gradient accumulates (the residual stream's gradient passes through).
        #expect(
            relativeError(zip(dx, dx0).map { $0 - $1 }, finiteDifferenceGradient(x.doubles) { f($0, w.doubles, b.doubles) })
                < 1e-5)
        #expect(relativeError(dw, finiteDifferenceGradient(w.doubles) { f(x.doubles, $0, b.doubles) }) < 1e-5)
        #expect(relativeError(db, finiteDifferenceGradient(b.doubles) { f(x.doubles, w.doubles, $0) }) < 1e-5)
    }

    @Test func gelu() {
        var rng = RNG(seed: 3)
        let n = 37
        let x = randomFloats(n, std: 2.5, rng: &rng), g = randomFloats(n, rng: &rng)
        var out = [Float](repeating: 0, count: n)
        GELU.forward(out: &out, inp: x, count: n)
        #expect(relativeError(out, Ref.gelu(x.doubles)) < 1e-6)
        var dx = [Float](repeating: 0, count: n)
        GELU.backward(dinp: &dx, inp: x, dout: g, count: n)
        let fd = finiteDifferenceGradient(x.doubles) { zip(Ref.gelu($0), g.doubles).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(relativeError(dx, fd) < 1e-5)
    }

    @Test func attention() {
        var rng = RNG(seed: 4)
        let B = 2, T = 7, C = 12, NH = 3
        let qkv = randomFloats(B * T * 3 * C, rng: &rng), g = randomFloats(B * T * C, rng: &rng)
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * T)
        Attention.forward(out: &out, att: &att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        #expect(relativeError(out, Ref.attention(qkv.doubles, B: B, T: T, C: C, NH: NH)) < 1e-6)
        // Probabilities are causal: zero above the diagonal, rows summing to 1.
        for row in 0..<(B * NH * T) {
            let t = row % T
            #expect(att[(row * T + t + 1)..<((row + 1) * T)].allSatisfy { $0 == 0 })
            #expect(abs(att[(row * T)..<((row + 1) * T)].reduce(0, +) - 1) < 1e-6)
        }

        var dqkv = [Float](repeating: 0, count: qkv.count), scratch = [Float](repeating: 0, count: T * T)
        Attention.backward(dqkv: &dqkv, scratch: &scratch, scratchSlots: 1, dout: g, att: att, qkv: qkv, B: B, T: T, C: C, NH: NH)
        let fd = finiteDifferenceGradient(qkv.doubles) {
            zip(Ref.attention($0, B: B, T: T, C: C, NH: NH), g.doubles).reduce(0) { $0 + $1.0 * $1.1 }
        }
        #expect(relativeError(dqkv, fd) < 1e-5)
    }

    @Test func encoder() {
        var rng = RNG(seed: 5)
        let B = 2, T = 3, C = 10, V = 6
        let tokens: [Int32] = [1, 4, 1, 5, 0, 1]
        let wte = randomFloats(V * C, rng: &rng), wpe = randomFloats(T * C, rng: &rng), g = randomFloats(B * T * C, rng: &rng)
        var out = [Float](repeating: 0, count: B * T * C)
        Encoder.forward(out: &out, tokens: tokens, wte: wte, wpe: wpe, B: B, T: T, C: C)
        for n in 0..<(B * T) {
            for c in 0..<C {
                #expect(out[n * C + c] == wte[Int(tokens[n]) * C + c] + wpe[(n % T) * C + c])
            }
        }
        var dwte = [Float](repeating: 0, count: V * C), dwpe = [Float](repeating: 0, count: T * C)
        Encoder.backward(dwte: &dwte, dwpe: &dwpe, dout: g, tokens: tokens, B: B, T: T, C: C)
        func f(_ wte: [Double], _ wpe: [Double]) -> Double {
            var s = 0.0
            for n in 0..<(B * T) {
                for c in 0..<C { s += g.doubles[n * C + c] * (wte[Int(tokens[n]) * C + c] + wpe[(n % T) * C + c]) }
            }
            return s
        }
        #expect(relativeError(dwte, finiteDifferenceGradient(wte.doubles) { f($0, wpe.doubles) }) < 1e-6)
        #expect(relativeError(dwpe, finiteDifferenceGradient(wpe.doubles) { f(wte.doubles, $0) }) < 1e-6)
    }

    @Test func logSoftmaxAndWeightedNLL() {
        var rng = RNG(seed: 6)
        let N = 5, V = 21
        let logits = randomFloats(N * V, std: 3, rng: &rng)
        let targets: [Int32] = [3, 0, 20, -1, 7]
        let c: [Float] = [0.5, -1.25, 2, 0, 0.125]   // any coefficients, negative ones too (GA)
        var lse = [Float](repeating: 0, count: N), logp = lse
        LogSoftmax.forward(lse: &lse, logp: &logp, logits: logits, targets: targets, N: N, V: V)
        let ref = Ref.logSoftmax(logits.doubles, N: N, V: V)
        for n in 0..<N {
            let expected = targets[n] >= 0 ? ref[n * V + Int(targets[n])] : 0
            #expect(abs(Double(logp[n]) - expected) < 2e-6)
        }
        var d = [Float](repeating: 9, count: N * V)
        LogSoftmax.nllBackward(dlogits: &d, coefficients: c, logits: logits, lse: lse, targets: targets, N: N, V: V)
        let fd = finiteDifferenceGradient(logits.doubles) { z in
            let lp = Ref.logSoftmax(z, N: N, V: V)
            return (0..<N).reduce(0.0) { s, n in targets[n] < 0 ? s : s - Double(c[n]) * lp[n * V + Int(targets[n])] }
        }
        #expect(relativeError(d, fd) < 1e-5)
    }
}
