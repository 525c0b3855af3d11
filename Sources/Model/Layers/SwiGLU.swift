import NumericCore

/// The SwiGLU gate of Llama's MLP on fused `gate|up` rows: with a = gate, u = up (F floats each,
/// a row of `inp` being 2F floats), `out = silu(a) ⊙ u`, `silu(a) = a·σ(a)`, σ the logistic
/// function. The MLP is `down(silu(gate(x)) ⊙ up(x))`.
package enum SwiGLU {
    /// out (N,F) from inp (N,2F).
    package static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, N: Int, F: Int) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let a = inp + n * 2 * F, u = a + F, o = out + n * F
                var i = 0
                while i + 8 <= F {
                    let ai = load8(a, i)
                    store8(ai * sigmoid(ai) * load8(u, i), o, i)
                    i += 8
                }
                if i < F {
                    let ai = tail(a, i, F), y = ai * sigmoid(ai) * tail(u, i, F)
                    for j in i..<F { o[j] = y[j - i] }
                }
            }
        }
    }

    /// Given `dout` (N,F), writes `dinp` (N,2F), overwritten:
    /// `da = dout ⊙ u ⊙ silu′(a)`, `silu′(a) = σ(a)·(1 + a·(1 − σ(a)))`, and `du = dout ⊙ silu(a)`.
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, N: Int, F: Int
    ) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let a = inp + n * 2 * F, u = a + F, dy = dout + n * F
                let da = dinp + n * 2 * F, du = da + F
                var i = 0
                while i + 8 <= F {
                    let ai = load8(a, i), s = sigmoid(ai), d = load8(dy, i)
                    store8(d * load8(u, i) * (s * (1 + ai * (1 - s))), da, i)
                    store8(d * ai * s, du, i)
                    i += 8
                }
                if i < F {
                    let ai = tail(a, i, F), s = sigmoid(ai), d = tail(dy, i, F)
                    let ga = d * tail(u, i, F) * (s * (1 + ai * (1 - s))), gu = d * ai * s
                    for j in i..<F { da[j] = ga[j - i]; du[j] = gu[j - i] }
                }
            }
        }
    }

    /// Forward-mode derivative along `inpTangent` = (ȧ, u̇) (N,2F):
    /// `ẏ = silu′(a)·ȧ ⊙ u + silu(a) ⊙ u̇`, out (N,F).
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, N: Int, F: Int
    ) {
        Parallel.forRanges(N, grain: 8) { rows in
            for n in rows {
                let a = inp + n * 2 * F, u = a + F, da = inpTangent + n * 2 * F, du = da + F
                let o = out + n * F
                var i = 0
                while i + 8 <= F {
                    let ai = load8(a, i), s = sigmoid(ai)
                    store8(s * (1 + ai * (1 - s)) * load8(da, i) * load8(u, i) + ai * s * load8(du, i), o, i)
                    i += 8
                }
                if i < F {
                    let ai = tail(a, i, F), s = sigmoid(ai)
                    let y = s * (1 + ai * (1 - s)) * tail(da, i, F) * tail(u, i, F) + ai * s * tail(du, i, F)
                    for j in i..<F { o[j] = y[j - i] }
                }
            }
        }
    }

    /// `σ(a) = 1/(1 + exp(−a))` on 8 lanes.
    @inline(__always)
    private static func sigmoid(_ a: Float8) -> Float8 { 1 / (1 + VectorMath.exp(-a)) }

    /// `p[lo..<hi]` in the first lanes of a vector (hi − lo < 8), zeros after.
    @inline(__always)
    private static func tail(_ p: UnsafePointer<Float>, _ lo: Int, _ hi: Int) -> Float8 {
        var v = Float8()
        for j in lo..<hi { v[j - lo] = p[j] }
        return v
    }
}
