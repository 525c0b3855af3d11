import NumericCore

/// RMSNorm over the last dimension (Llama's norm: no centring, no bias):
/// `y = x·r·w`, `r = 1/√(mean(x²) + ε)`.
package enum RMSNorm {
    /// out, inp are (N,C); rstd (N) keeps r for the backward pass.
    package static func forward(
        out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, N: Int, C: Int
    ) {
        Parallel.forRanges(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, y = out + n * C
                let r = 1 / (Reduce.dotF32(x, x, count: C) / Float(C) + eps).squareRoot()
                var i = 0
                while i + 8 <= C { store8(load8(x, i) * r * load8(weight, i), y, i); i += 8 }
                while i < C { y[i] = x[i] * r * weight[i]; i += 1 }
                rstd[n] = r
            }
        }
    }

    /// With `x̂ = x·r` and `g = dout ⊙ w` (∂r/∂xⱼ = −r³·xⱼ/C):
    /// `dinp += r·(g − x̂·mean(g ⊙ x̂))`, `dweight += Σₙ dout ⊙ x̂`.
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        for n in 0..<N {
            let x = inp + n * C, dy = dout + n * C, dx = dinp + n * C
            let r = rstd[n]
            var s8 = Float8(), i = 0
            while i + 8 <= C { s8 += load8(dy, i) * load8(weight, i) * load8(x, i); i += 8 }
            var s = s8.sum()
            while i < C { s += dy[i] * weight[i] * x[i]; i += 1 }
            let mgx = s * r / Float(C)   // mean(g ⊙ x̂)
            i = 0
            while i + 8 <= C {
                let xh = load8(x, i) * r, d = load8(dy, i)
                store8(load8(dweight, i) + d * xh, dweight, i)
                store8(load8(dx, i) + r * (d * load8(weight, i) - xh * mgx), dx, i)
                i += 8
            }
            while i < C {
                let xh = x[i] * r
                dweight[i] += dy[i] * xh
                dx[i] += r * (dy[i] * weight[i] - xh * mgx)
                i += 1
            }
        }
    }

    /// Forward-mode derivative along (ẋ, v_w), with `x̂ = x·r` (r = rstd saved by `forward`):
    ///
    ///     ẏ = w ⊙ r·(ẋ − x̂·mean(ẋ ⊙ x̂)) + x̂ ⊙ v_w
    ///
    /// (ṙ = −r²·mean(ẋ ⊙ x̂)). out, inp, inpTangent are (N,C); weightTangent (C).
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        weightTangent: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forRanges(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, dx = inpTangent + n * C, y = out + n * C
                let r = rstd[n]
                let mdx = Reduce.dotF32(dx, x, count: C) * r / Float(C)   // mean(ẋ ⊙ x̂)
                var i = 0
                while i + 8 <= C {
                    let xh = load8(x, i) * r
                    store8(load8(weight, i) * (r * (load8(dx, i) - xh * mdx)) + xh * load8(weightTangent, i), y, i)
                    i += 8
                }
                while i < C {
                    let xh = x[i] * r
                    y[i] = weight[i] * (r * (dx[i] - xh * mdx)) + xh * weightTangent[i]
                    i += 1
                }
            }
        }
    }
}
