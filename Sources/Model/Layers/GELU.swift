import NumericCore

/// GELU, tanh approximation: `gelu(x) = ½·x·(1 + tanh(u))`, `u = √(2/π)·(x + 0.044715·x³)`.
package enum GELU {
    static let k: Float = 0.7978845608028654   // √(2/π)
    static let a: Float = 0.044715

    package static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
        Parallel.forRanges(n, grain: 4096) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let x = load8(inp, i)
                let t = VectorMath.tanh(k * (x + a * x * x * x))
                store8(0.5 * x * (1 + t), out, i)
                i += 8
            }
            if i < range.upperBound { tail(i, range.upperBound) }
        }
        func tail(_ lo: Int, _ hi: Int) {
            var x = Float8()
            for j in lo..<hi { x[j - lo] = inp[j] }
            let y = 0.5 * x * (1 + VectorMath.tanh(k * (x + a * x * x * x)))
            for j in lo..<hi { out[j] = y[j - lo] }
        }
    }

    /// `dinp = dout·gelu′(x)`, `gelu′(x) = ½(1 + tanh u) + ½·x·(1 − tanh²u)·√(2/π)(1 + 3·0.044715·x²)`.
    /// `dinp` may alias `dout`.
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, count n: Int
    ) {
        @inline(__always) func grad(_ x: Float8) -> Float8 {
            let x2: Float8 = x * x
            let t: Float8 = VectorMath.tanh(k * (x + a * x2 * x))
            let du: Float8 = k * (1 + (3 * a) * x2)   // du/dx
            let half: Float8 = 0.5 * (1 + t)
            return half + (0.5 * x) * (1 - t * t) * du
        }
        Parallel.forRanges(n, grain: 4096) { range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                store8(load8(dout, i) * grad(load8(inp, i)), dinp, i)
                i += 8
            }
            if i < range.upperBound {
                var x = Float8()
                for j in i..<range.upperBound { x[j - i] = inp[j] }
                let g = grad(x)
                for j in i..<range.upperBound { dinp[j] = dout[j] * g[j - i] }
            }
        }
    }

    /// Forward-mode derivative: `ẏ = gelu′(x)·ẋ` (gelu′ as in `backward`; the Jacobian is
    /// diagonal, so this is the backward kernel with ẋ in place of dout). `out` may alias
    /// `inpTangent`.
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, count n: Int
    ) {
        backward(dinp: out, inp: inp, dout: inpTangent, count: n)
    }
}
