import NumericCore

/// Rotary position embeddings on part of each head (Phi's `partial_rotary_factor`): within each
/// head of width hs, only the first rd dimensions rotate, in Hugging Face's `rotate_half`
/// convention over those rd: dimension i < rd/2 is paired with i + rd/2 and the pair turns by
/// `θ(t, i) = t·base^(−2i/rd)` at position t; dimensions rd..<hs pass through unchanged:
///
///     y[i]        = x[i]·cos θ − x[i+rd/2]·sin θ
///     y[i+rd/2]   = x[i+rd/2]·cos θ + x[i]·sin θ         for i < rd/2
///     y[j]        = x[j]                                  for rd ≤ j < hs
///
/// With rd = hs this is `RotaryEmbedding`. The tables are `RotaryEmbedding.tables` with head size
/// rd, (T, rd/2). A rotation is orthogonal, so the backward is the inverse rotation (θ → −θ) and
/// the tangent is the rotation itself.
package enum PartialRotaryEmbedding {
    /// Rotates, in place, the first rd dimensions of each of `heads` consecutive heads of width hs
    /// at the start of each of the B·T rows of `x` (row stride `ld`); row n is at position n mod T.
    package static func forward(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, rotaryDim rd: Int, ld: Int, B: Int, T: Int
    ) {
        rotate(x, cos: cos, sin: sin, sinSign: 1, heads: heads, hs: hs, rd: rd, ld: ld, N: B * T, T: T, positions: nil)
    }

    /// As `forward`, for N rows where row n is at position `positions[n]` (incremental decoding).
    package static func forward(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, rotaryDim rd: Int, ld: Int, positions: UnsafePointer<Int>, N: Int
    ) {
        rotate(x, cos: cos, sin: sin, sinSign: 1, heads: heads, hs: hs, rd: rd, ld: ld, N: N, T: 0, positions: positions)
    }

    /// The backward of `forward`, in place on the gradient `dx` (same layout): the inverse
    /// rotation, `dx[i] = dy[i]·cos θ + dy[i+rd/2]·sin θ`, `dx[i+rd/2] = dy[i+rd/2]·cos θ − dy[i]·sin θ`;
    /// the pass-through dimensions keep their gradient.
    package static func backward(
        _ dx: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, rotaryDim rd: Int, ld: Int, B: Int, T: Int
    ) {
        rotate(dx, cos: cos, sin: sin, sinSign: -1, heads: heads, hs: hs, rd: rd, ld: ld, N: B * T, T: T, positions: nil)
    }

    /// `(a, b) ← (a·cos − s·b·sin, b·cos + s·a·sin)` with s = `sinSign` (±1), for every pair of the
    /// rotary part of every head; row n is at position `positions[n]`, or n mod T without positions.
    private static func rotate(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        sinSign: Float, heads: Int, hs: Int, rd: Int, ld: Int, N: Int, T: Int, positions: UnsafePointer<Int>?
    ) {
        precondition(rd > 0 && rd % 2 == 0 && rd <= hs, "rotary dimensions \(rd) must be even and within the head size \(hs)")
        let half = rd / 2
        Parallel.forRanges(N, grain: 32) { rows in
            for n in rows {
                let t = positions?[n] ?? n % T
                let c = cos + t * half, s = sin + t * half
                for h in 0..<heads {
                    let a = x + n * ld + h * hs, b = a + half
                    var i = 0
                    while i + 8 <= half {
                        let ai = load8(a, i), bi = load8(b, i), ci = load8(c, i), si = sinSign * load8(s, i)
                        store8(ai * ci - bi * si, a, i)
                        store8(bi * ci + ai * si, b, i)
                        i += 8
                    }
                    while i < half {
                        let ai = a[i], bi = b[i], si = sinSign * s[i]
                        a[i] = ai * c[i] - bi * si
                        b[i] = bi * c[i] + ai * si
                        i += 1
                    }
                }
            }
        }
    }
}
