import Foundation
import Model
import NumericCore
import Unlearning

/// Where a training step's time goes: each layer kind timed on the model's own shapes, repeated,
/// and multiplied by how often a step runs it. Timing the public layer functions separately keeps
/// the engine's hot path free of instrumentation.
struct LayerProfile {
    let config: GPTConfig
    let B: Int, T: Int

    /// Milliseconds per training step for each phase, in the order a step runs them.
    func measure(repeats: Int = 5) -> [(phase: String, ms: Double)] {
        let N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead, L = config.nLayer
        var rng = RNG(seed: 9)
        func buf(_ n: Int, std: Double = 1) -> FloatBuffer { FloatBuffer((0..<n).map { _ in Float(rng.normal() * std) }) }
        let x = buf(N * 4 * C), y = buf(N * 4 * C), dy = buf(N * 4 * C), dx = buf(N * 4 * C)
        let w = buf(4 * C * max(C, V), std: 0.02), dw = FloatBuffer(count: 4 * C * max(C, V))
        let b = buf(4 * C), db = FloatBuffer(count: 4 * C), ones = FloatBuffer([Float](repeating: 1, count: N))
        let stats = FloatBuffer(count: 2 * N), qkv = buf(N * 3 * C), att = FloatBuffer(count: B * NH * T * T)
        let scratch = FloatBuffer(count: Parallel.workers * T * T), logits = buf(N * V), dlogits = FloatBuffer(count: N * V)
        let tokens = (0..<N).map { _ in Int32(rng.below(V)) }
        let coeffs = [Float](repeating: 1 / Float(N), count: N)

        func time(_ body: () -> Void) -> Double {
            body()
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            return best
        }
        func linear(_ inC: Int, _ outC: Int) -> (Double, Double) {
            (
                time { Linear.forward(out: y.base, inp: x.base, weight: w.base, bias: b.base, N: N, C: inC, OC: outC) },
                time {
                    Linear.backward(
                        dinp: dx.base, dweight: dw.base, dbias: db.base, dout: dy.base, inp: x.base,
                        weight: w.base, ones: ones.base, N: N, C: inC, OC: outC)
                }
            )
        }
        let qkvT = linear(C, 3 * C), projT = linear(C, C), fcT = linear(C, 4 * C), mlpT = linear(4 * C, C)
        let lnF = time {
            LayerNorm.forward(
                out: y.base, mean: stats.base, rstd: stats.base + N, inp: x.base,
                weight: b.base, bias: b.base, N: N, C: C)
        }
        let lnB = time {
            LayerNorm.backward(
                dinp: dx.base, dweight: dw.base, dbias: db.base, dout: dy.base, inp: x.base,
                weight: b.base, mean: stats.base, rstd: stats.base + N, N: N, C: C)
        }
        let attF = time { Attention.forward(out: y.base, att: att.base, qkv: qkv.base, B: B, T: T, C: C, NH: NH) }
        let attB = time {
            Attention.backward(
                dqkv: dx.base, scratch: scratch.base, scratchSlots: Parallel.workers, dout: dy.base, att: att.base,
                qkv: qkv.base, B: B, T: T, C: C, NH: NH)
        }
        let geluF = time { GELU.forward(out: y.base, inp: x.base, count: N * 4 * C) }
        let geluB = time { GELU.backward(dinp: dx.base, inp: x.base, dout: dy.base, count: N * 4 * C) }
        let headF = time { BLAS.gemm(transB: true, m: N, n: V, k: C, x.base, lda: C, w.base, ldb: C, logits.base, ldc: V) }
        let headB = time {
            BLAS.gemm(m: N, n: C, k: V, dlogits.base, lda: V, w.base, ldb: C, dx.base, ldc: C)
            BLAS.gemm(transA: true, m: V, n: C, k: N, dlogits.base, lda: V, x.base, ldb: C, beta: 1, dw.base, ldc: C)
        }
        let smF = time {
            LogSoftmax.forward(
                lse: stats.base, logp: stats.base + N, logits: logits.base,
                targets: tokens, N: N, V: V)
        }
        let smB = time {
            LogSoftmax.nllBackward(
                dlogits: dlogits.base, coefficients: coeffs, logits: logits.base,
                lse: stats.base, targets: tokens, N: N, V: V)
        }
        let count = config.parameterLayout().count
        let params = FloatBuffer(count: count), grads = buf(count, std: 1e-3)
        let adam = AdamW(count: count, weightDecay: 0.1, decayRanges: [0..<count])
        let adamT = time { adam.step(parameters: params, gradients: grads, lr: 1e-3) }

        let l = Double(L)
        return [
            ("layernorm fwd", (2 * l + 1) * lnF), ("c_attn fwd", l * qkvT.0), ("attention fwd", l * attF),
            ("attn.c_proj fwd", l * projT.0), ("c_fc fwd", l * fcT.0), ("gelu fwd", l * geluF),
            ("mlp.c_proj fwd", l * mlpT.0), ("head fwd", headF), ("log-softmax fwd", smF),
            ("nll grad", smB), ("head bwd", headB), ("mlp.c_proj bwd", l * mlpT.1), ("gelu bwd", l * geluB),
            ("c_fc bwd", l * fcT.1), ("layernorm bwd", (2 * l + 1) * lnB), ("attn.c_proj bwd", l * projT.1),
            ("attention bwd", l * attB), ("c_attn bwd", l * qkvT.1), ("adamw", adamT),
        ]
    }
}
