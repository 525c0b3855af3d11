import NumericCore

/// ReLU, `relu(x) = max(x, 0)`, with PyTorch's derivative: `relu′(x) = 1` where x > 0 and 0
/// elsewhere, the kink included (`threshold_backward`). A NaN input stays NaN, as in PyTorch, so
/// that a diverging run is seen.
package enum ReLU {
    /// `out = relu(inp)` over `count` floats; `out` may alias `inp`.
    package static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count n: Int) {
        Parallel.forRanges(n, grain: 4096) { range in
            for i in range {
                let x = inp[i]
                out[i] = x < 0 ? 0 : x
            }
        }
    }

    /// `dinp = dout·relu′(x)`: dout where x > 0, else 0. `dinp` may alias `dout`.
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        dout: UnsafePointer<Float>, count n: Int
    ) {
        Parallel.forRanges(n, grain: 4096) { range in
            for i in range { dinp[i] = inp[i] > 0 ? dout[i] : 0 }
        }
    }

    /// Forward-mode derivative: `ẏ = relu′(x)·ẋ` (the Jacobian is diagonal: the backward kernel
    /// with ẋ in place of dout). `out` may alias `inpTangent`.
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, count n: Int
    ) {
        backward(dinp: out, inp: inp, dout: inpTangent, count: n)
    }
}
