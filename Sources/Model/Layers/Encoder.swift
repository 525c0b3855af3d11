import NumericCore

/// Token plus position embedding (GPT), or token embedding alone (Llama).
package enum Encoder {
    /// `out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]`; out is (B,T,C).
    package static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, B: Int, T: Int, C: Int
    ) {
        for b in 0..<B {
            for t in 0..<T {
                addRow(wte + Int(tokens[b * T + t]) * C, wpe + t * C, into: out + (b * T + t) * C, C: C)
            }
        }
    }

    /// The same sum for N tokens at arbitrary positions (incremental decoding, where each row's
    /// new token sits after its own cached prefix): `out[n,:] = wte[tokens[n],:] + wpe[positions[n],:]`;
    /// out is (N,C).
    package static func forward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int>,
        wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>, N: Int, C: Int
    ) {
        for n in 0..<N {
            addRow(wte + Int(tokens[n]) * C, wpe + positions[n] * C, into: out + n * C, C: C)
        }
    }

    /// `o = e + p` over C floats.
    @inline(__always)
    private static func addRow(_ e: UnsafePointer<Float>, _ p: UnsafePointer<Float>, into o: UnsafeMutablePointer<Float>, C: Int)
    {
        var i = 0
        while i + 8 <= C { store8(load8(e, i) + load8(p, i), o, i); i += 8 }
        while i < C { o[i] = e[i] + p[i]; i += 1 }
    }

    /// `out[n,:] = wte[tokens[n],:]` alone: a token embedding without positions (Llama, whose
    /// positions enter through rotary embeddings); out is (N,C). Linear in `wte`, so it is also
    /// its own tangent (pass the tangent table as `wte`).
    package static func tokenEmbeddingForward(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
        wte: UnsafePointer<Float>, N: Int, C: Int
    ) {
        for n in 0..<N { (out + n * C).update(from: wte + Int(tokens[n]) * C, count: C) }
    }

    /// `dwte[tokens[b,t],:] += dout[b,t,:]` alone: the token embedding's share of `backward`.
    package static func tokenEmbeddingBackward(
        dwte: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
        tokens: UnsafePointer<Int32>, N: Int, C: Int
    ) {
        for n in 0..<N { RowOps.add(dout + n * C, into: dwte + Int(tokens[n]) * C, count: C) }
    }

    /// `dwte[tokens[b,t],:] += dout[b,t,:]`, `dwpe[t,:] += dout[b,t,:]`.
    package static func backward(
        dwte: UnsafeMutablePointer<Float>, dwpe: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, tokens: UnsafePointer<Int32>, B: Int, T: Int, C: Int
    ) {
        for b in 0..<B {
            for t in 0..<T {
                let d = dout + (b * T + t) * C
                let e = dwte + Int(tokens[b * T + t]) * C
                let p = dwpe + t * C
                var i = 0
                while i + 8 <= C {
                    let g = load8(d, i)
                    store8(load8(e, i) + g, e, i)
                    store8(load8(p, i) + g, p, i)
                    i += 8
                }
                while i < C { e[i] += d[i]; p[i] += d[i]; i += 1 }
            }
        }
    }

    /// Forward-mode derivative along tangent embeddings (v_wte, v_wpe):
    /// `ẋ[b,t,:] = v_wte[tokens[b,t],:] + v_wpe[t,:]` (the encoder is linear in its tables).
    package static func tangent(
        out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
        wteTangent: UnsafePointer<Float>, wpeTangent: UnsafePointer<Float>,
        B: Int, T: Int, C: Int
    ) {
        forward(out: out, tokens: tokens, wte: wteTangent, wpe: wpeTangent, B: B, T: T, C: C)
    }
}
