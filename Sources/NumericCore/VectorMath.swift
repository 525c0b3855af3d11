/// Vectorised transcendental functions for 8 lanes of Float32, accurate to about 2 ulp.
public enum VectorMath {
    /// `exp(x)` by Cody–Waite range reduction `x = n·ln2 + r`, |r| ≤ ln2/2, and the degree-6
    /// Cephes polynomial for `exp(r)`; `2ⁿ` is built from the exponent bits. Inputs are clamped to
    /// [−87.3, 88.7], so the result is finite and normal (exp(−87.3) ≈ 1.2e−38 stands for 0).
    @inlinable @inline(__always)
    public static func exp(_ x: Float8) -> Float8 {
        let x = vmin(vmax(x, Float8(repeating: -87.3)), Float8(repeating: 88.7))
        // n = round(x/ln2): adding 1.5·2²³ rounds to an integer held in the low mantissa bits
        // (no SSE4.1 `roundps` needed), and those bits are n itself.
        let shifted = x * 1.44269504088896341 + 12_582_912
        let n = shifted - 12_582_912
        var r = x - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = Float8(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let ni = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((ni &+ 127) &<< 23, to: Float8.self)
    }

    /// `tanh(x) = 1 − 2 / (exp(2x) + 1)`; absolute error below 1e−7.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float8) -> Float8 {
        1 - 2 / (exp(x + x) + 1)
    }
}
