import NumericCore

/// A fully connected layer, `out = inp·Wᵀ + b` with W of shape (OC, C) as in `torch.nn.Linear`.
package enum Linear {
    /// out (N,OC) = [residual +] inp (N,C)·Wᵀ [+ b]. The bias (and residual) are laid down first and
    /// the matmul accumulates onto them, so a residual connection costs no extra pass. `bias` is nil
    /// for a layer without one (Llama's projections). The N rows are sequences of T (`BLAS.gemm`'s
    /// `rowGroup`: a sequence's numbers do not depend on its batch); nil: no such grouping.
    /// `sharedPrefix`: the sequences' first rows, the same in every sequence, computed once
    /// (`BLAS.gemm`).
    package static func forward(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        residual: UnsafePointer<Float>? = nil, N: Int, T: Int? = nil, sharedPrefix: Int = 0, C: Int, OC: Int
    ) {
        var beta: Float = 1
        switch (residual, bias) {
        case (nil, nil):
            beta = 0
        case (let r?, nil):
            if r != UnsafePointer(out) { out.update(from: r, count: N * OC) }
        case (let residual, let bias?):
            Parallel.forRanges(N, grain: 64) { rows in
                for n in rows {
                    let o = out + n * OC
                    if let residual {
                        let r = residual + n * OC
                        var i = 0
                        while i + 8 <= OC { store8(load8(r, i) + load8(bias, i), o, i); i += 8 }
                        while i < OC { o[i] = r[i] + bias[i]; i += 1 }
                    } else {
                        o.update(from: bias, count: OC)
                    }
                }
            }
        }
        BLAS.gemm(
            transB: true, m: N, n: OC, k: C, inp, lda: C, weight, ldb: C, beta: beta, out, ldc: OC, rowGroup: T,
            sharedPrefix: sharedPrefix)
    }

    /// Given `dout = ∂L/∂out` (N,OC):
    /// `dinp = dout·W` (overwritten), `dweight += doutᵀ·inp`, `dbias += doutᵀ·1`. `dbias` and
    /// `ones` (N floats of 1) are nil for a layer without bias. T as in `forward`.
    ///
    /// `sharedPrefix` P > 0 (the sequences' first P rows shared, `SharedPrefixGradient`): the
    /// gradient on those rows is the first sequence's, `dout` is 0 on the others'. `dinp` is
    /// computed on the first sequence's rows and the others' after P (0 on the rest), and the
    /// parameters' gradients from those rows only (gathered in `scratch`).
    package static func backward(
        dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        ones: UnsafePointer<Float>?, N: Int, T: Int? = nil, sharedPrefix P: Int = 0, scratch: GrowingScratch? = nil,
        C: Int, OC: Int
    ) {
        BLAS.gemm(
            m: N, n: C, k: OC, dout, lda: OC, weight, ldb: C, beta: 0, dinp, ldc: C, rowGroup: T, sharedPrefix: P,
            otherPrefixes: .zeroed)
        guard P > 0, let T else {
            parameterGradients(dweight: dweight, dbias: dbias, dout: dout, inp: inp, ones: ones, rows: N, C: C, OC: OC)
            return
        }
        guard let scratch else { preconditionFailure("Linear.backward: a shared prefix needs a scratch") }
        parameterGradients(
            of: SharedPrefixGradient.rows(N: N, T: T, P: P), dweight: dweight, dbias: dbias, dout: dout, inp: inp,
            ones: ones, scratch: scratch, C: C, OC: OC)
    }

    /// `dweight += doutᵀ·inp`, `dbias += doutᵀ·1` over the `rows` of `dout` (·,OC) and `inp` (·,C),
    /// gathered into `scratch` so that they are one product.
    static func parameterGradients(
        of rows: [Range<Int>], dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, ones: UnsafePointer<Float>?, scratch: GrowingScratch,
        C: Int, OC: Int
    ) {
        let R = rows.reduce(0) { $0 + $1.count }
        guard R > 0 else { return }
        let gathered = scratch.floats(R * (OC + C))
        let gout = gathered, ginp = gathered + R * OC
        var row = 0
        for r in rows {
            (gout + row * OC).update(from: dout + r.lowerBound * OC, count: r.count * OC)
            (ginp + row * C).update(from: inp + r.lowerBound * C, count: r.count * C)
            row += r.count
        }
        parameterGradients(dweight: dweight, dbias: dbias, dout: gout, inp: ginp, ones: ones, rows: R, C: C, OC: OC)
    }

    /// `dweight += doutᵀ·inp`, `dbias += doutᵀ·1` over `rows` rows.
    private static func parameterGradients(
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
        inp: UnsafePointer<Float>, ones: UnsafePointer<Float>?, rows: Int, C: Int, OC: Int
    ) {
        BLAS.gemm(transA: true, m: OC, n: C, k: rows, dout, lda: OC, inp, ldb: C, beta: 1, dweight, ldc: C)
        if let dbias {
            guard let ones else { preconditionFailure("Linear.backward: a bias gradient needs the ones vector") }
            BLAS.gemv(trans: true, m: rows, n: OC, dout, lda: OC, ones, beta: 1, dbias)
        }
    }

    /// Forward-mode derivative along a direction (ẋ, V_W, v_b) of the input and the parameters:
    ///
    ///     ẏ = [ṙ +] ẋ·Wᵀ + x·V_Wᵀ + v_b      (two sgemms)
    ///
    /// out (N,OC); inp = x and inpTangent = ẋ (N,C); weight = W and weightTangent = V_W (OC,C);
    /// biasTangent = v_b (OC), nil for a layer without bias (the tied head); residualTangent = ṙ
    /// (N,OC), the tangent of a residual that `forward` adds, may be `out` itself (in place). T and
    /// `sharedPrefix` as in `forward`.
    package static func tangent(
        out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
        inpTangent: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        weightTangent: UnsafePointer<Float>, biasTangent: UnsafePointer<Float>?,
        residualTangent: UnsafePointer<Float>? = nil, N: Int, T: Int? = nil, sharedPrefix: Int = 0, C: Int, OC: Int
    ) {
        var beta: Float = 1
        switch (residualTangent, biasTangent) {
        case (nil, nil):
            beta = 0
        case (let r?, nil):
            if r != UnsafePointer(out) { out.update(from: r, count: N * OC) }
        case (let r, let b?):
            Parallel.forRanges(N, grain: 64) { rows in
                for n in rows {
                    let o = out + n * OC
                    if let r {
                        let rr = r + n * OC
                        var i = 0
                        while i + 8 <= OC { store8(load8(rr, i) + load8(b, i), o, i); i += 8 }
                        while i < OC { o[i] = rr[i] + b[i]; i += 1 }
                    } else {
                        o.update(from: b, count: OC)
                    }
                }
            }
        }
        BLAS.gemm(
            transB: true, m: N, n: OC, k: C, inpTangent, lda: C, weight, ldb: C, beta: beta, out, ldc: OC, rowGroup: T,
            sharedPrefix: sharedPrefix)
        BLAS.gemm(
            transB: true, m: N, n: OC, k: C, inp, lda: C, weightTangent, ldb: C, beta: 1, out, ldc: OC, rowGroup: T,
            sharedPrefix: sharedPrefix)
    }
}
