import Foundation
import NumericCore

/// Rotary position embeddings (RoPE) in Hugging Face's `rotate_half` convention: within each head
/// of width hs, dimension i < hs/2 is paired with i + hs/2 and the pair is rotated by the angle
/// `θ(t, i) = t·base^(−2i/hs)` of its position t:
///
///     y[i]        = x[i]·cos θ − x[i+hs/2]·sin θ
///     y[i+hs/2]   = x[i+hs/2]·cos θ + x[i]·sin θ
///
/// (`q·cos + rotate_half(q)·sin` with `rotate_half(x) = (−x₂, x₁)`). A rotation is orthogonal, so
/// its backward is the inverse rotation (θ → −θ) and its tangent is itself.
package enum RotaryEmbedding {
    /// Fills `cos` and `sin` (T, hs/2) with `cos θ(t, i)`, `sin θ(t, i)` for positions 0..<T;
    /// angles are formed in Float64.
    package static func tables(
        cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>,
        T: Int, headSize hs: Int, base: Double
    ) {
        precondition(hs % 2 == 0, "RoPE needs an even head size, not \(hs)")
        tables(cos: cos, sin: sin, T: T, frequencies: frequencies(headSize: hs, base: base))
    }

    /// The frequencies `ωᵢ = base^(−2i/hs)` of the pairs i < hs/2 of a head of width hs, in Float64.
    package static func frequencies(headSize hs: Int, base: Double) -> [Double] {
        (0..<(hs / 2)).map { i in 1 / Foundation.pow(base, Double(2 * i) / Double(hs)) }
    }

    /// Fills `cos` and `sin` (T, hs/2), hs/2 = `frequencies.count`, with `cos(t·ωᵢ)`, `sin(t·ωᵢ)`
    /// for positions 0..<T and any frequencies ωᵢ (rescaled ones: Llama 3's `rope_scaling`);
    /// angles are formed in Float64.
    package static func tables(
        cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>, T: Int, frequencies: [Double]
    ) {
        let half = frequencies.count
        for (i, frequency) in frequencies.enumerated() {
            for t in 0..<T {
                let angle = Double(t) * frequency
                cos[t * half + i] = Float(Foundation.cos(angle))
                sin[t * half + i] = Float(Foundation.sin(angle))
            }
        }
    }

    /// Rotates, in place, `heads` consecutive heads of width hs at the start of each of the B·T
    /// rows of `x` (row stride `ld`); row n is at position n mod T.
    package static func forward(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, ld: Int, B: Int, T: Int
    ) {
        rotate(x, cos: cos, sin: sin, sinSign: 1, heads: heads, hs: hs, ld: ld, N: B * T, T: T, positions: nil)
    }

    /// Rotates, in place, `heads` consecutive heads of width hs at the start of each of the N
    /// rows of `x` (row stride `ld`); row n is at position `positions[n]`, a row of the tables
    /// (incremental decoding, where each new token follows its own sequence's cached prefix).
    package static func forward(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, ld: Int, positions: UnsafePointer<Int>, N: Int
    ) {
        rotate(x, cos: cos, sin: sin, sinSign: 1, heads: heads, hs: hs, ld: ld, N: N, T: 0, positions: positions)
    }

    /// The backward of `forward`, in place on the gradient `dx` (same layout): the inverse
    /// rotation, `dx[i] = dy[i]·cos θ + dy[i+hs/2]·sin θ`, `dx[i+hs/2] = dy[i+hs/2]·cos θ − dy[i]·sin θ`.
    package static func backward(
        _ dx: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        heads: Int, headSize hs: Int, ld: Int, B: Int, T: Int
    ) {
        rotate(dx, cos: cos, sin: sin, sinSign: -1, heads: heads, hs: hs, ld: ld, N: B * T, T: T, positions: nil)
    }

    /// `(a, b) ← (a·cos − s·b·sin, b·cos + s·a·sin)` with s = `sinSign` (±1), for every pair;
    /// row n is at position `positions[n]`, or n mod T without positions.
    private static func rotate(
        _ x: UnsafeMutablePointer<Float>, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>,
        sinSign: Float, heads: Int, hs: Int, ld: Int, N: Int, T: Int, positions: UnsafePointer<Int>?
    ) {
        let half = hs / 2
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
