import NumericCore

/// LayerNorm over the last dimension: `y = (x − μ)·r·w + b`, `r = 1/√(σ² + ε)`, ε = 1e−5 unless a
/// configuration says otherwise (GPT-2's `layer_norm_epsilon`).
package enum LayerNorm {
    package static let eps: Float = 1e-5

    /// out, inp are (N,C); mean and rstd (N) are kept for the backward pass (which, like the
    /// tangent, needs only them, whatever ε was). `eps` is ε, 1e−5 unless a model says otherwise
    /// (GPT-2's `layer_norm_epsilon`, Phi's `layer_norm_eps`).
    package static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        rstd: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float = LayerNorm.eps, N: Int, C: Int
    ) {
        Parallel.forRanges(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, y = out + n * C
                let m = Reduce.sumF32(x, count: C) / Float(C)
                // Two passes: the variance of centred values does not cancel catastrophically.
                var v8 = Float8(), i = 0
                while i + 8 <= C { let d = load8(x, i) - m; v8 += d * d; i += 8 }
                var v = v8.sum()
                while i < C { let d = x[i] - m; v += d * d; i += 1 }
                let r = 1 / (v / Float(C) + eps).squareRoot()
                i = 0
                while i + 8 <= C {
                    store8((load8(x, i) - m) * r * load8(weight, i) + load8(bias, i), y, i)
                    i += 8
                }
                while i < C { y[i] = (x[i] - m) * r * weight[i] + bias[i]; i += 1 }
                mean[n] = m
                rstd[n] = r
            }
        }
    }

    /// With `x̂ = (x − μ)·r` and `g = dout·w`:
    /// `dinp += r·(g − mean(g) − x̂·mean(g·x̂))`, `dweight += Σₙ dout·x̂`, `dbias += Σₙ dout`.
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dbias: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        for n in 0..<N {
            let x = inp + n * C, dy = dout + n * C, dx = dinp + n * C
            let m = mean[n], r = rstd[n]
            var sg8 = Float8(), sgx8 = Float8(), i = 0
            while i + 8 <= C {
                let g = load8(dy, i) * load8(weight, i)
                sg8 += g
                sgx8 += g * ((load8(x, i) - m) * r)
                i += 8
            }
            var sg = sg8.sum(), sgx = sgx8.sum()
            while i < C { let g = dy[i] * weight[i]; sg += g; sgx += g * (x[i] - m) * r; i += 1 }
            let mg = sg / Float(C), mgx = sgx / Float(C)
            i = 0
            while i + 8 <= C {
                let xh = (load8(x, i) - m) * r
                let d = load8(dy, i)
                store8(load8(dbias, i) + d, dbias, i)
                store8(load8(dweight, i) + d * xh, dweight, i)
                store8(load8(dx, i) + r * (d * load8(weight, i) - mg - xh * mgx), dx, i)
                i += 8
            }
            while i < C {
                let xh = (x[i] - m) * r
                dbias[i] += dy[i]
                dweight[i] += dy[i] * xh
                dx[i] += r * (dy[i] * weight[i] - mg - xh * mgx)
                i += 1
            }
        }
    }

    /// Forward-mode derivative along (ẋ, v_γ, v_β), with `x̂ = (x − μ)·r` (μ, r = rstd saved by
    /// `forward`) and γ = weight:
    ///
    ///     ẏ = γ·r·(ẋ − mean(ẋ) − x̂·mean(ẋ·x̂)) + x̂·v_γ + v_β
    ///
    /// (ṙ = −r²·mean(ẋ·x̂)·r, so the derivative of x̂ is r·(ẋ − mean(ẋ)) − x̂·r·mean(ẋ·x̂)).
    /// out, inp, inpTangent are (N,C); weightTangent, biasTangent (C).
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        weightTangent: UnsafePointer<Float>, biasTangent: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, N: Int, C: Int
    ) {
        Parallel.forRanges(N, grain: 16) { rows in
            for n in rows {
                let x = inp + n * C, dx = inpTangent + n * C, y = out + n * C
                let m = mean[n], r = rstd[n]
                var s8 = Float8(), sx8 = Float8(), i = 0
                while i + 8 <= C {
                    let d = load8(dx, i)
                    s8 += d
                    sx8 += d * ((load8(x, i) - m) * r)
                    i += 8
                }
                var s = s8.sum(), sx = sx8.sum()
                while i < C { s += dx[i]; sx += dx[i] * ((x[i] - m) * r); i += 1 }
                let md = s / Float(C), mdx = sx / Float(C)
                i = 0
                while i + 8 <= C {
                    let xh = (load8(x, i) - m) * r
                    let dxh = r * (load8(dx, i) - md - xh * mdx)
                    store8(load8(weight, i) * dxh + xh * load8(weightTangent, i) + load8(biasTangent, i), y, i)
                    i += 8
                }
                while i < C {
                    let xh = (x[i] - m) * r
                    y[i] = weight[i] * (r * (dx[i] - md - xh * mdx)) + xh * weightTangent[i] + biasTangent[i]
                    i += 1
                }
            }
        }
    }
}
