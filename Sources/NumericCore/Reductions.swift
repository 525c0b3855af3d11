/// Reductions over Float32 buffers. Sums that are reported (losses, G-effects, norms) accumulate
/// in Float64; Swift has no fast-math, so every loop keeps several independent accumulators.
public enum Reduce {
    /// `Σ x[i]·y[i]` accumulated in Float64 (four 4-lane Double accumulators).
    @inlinable
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Double {
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>(), a2 = SIMD4<Double>(), a3 = SIMD4<Double>()
        var i = 0
        while i + 16 <= n {
            let x0 = load8(x, i), y0 = load8(y, i), x1 = load8(x, i + 8), y1 = load8(y, i + 8)
            a0 += SIMD4<Double>(x0.lowHalf) * SIMD4<Double>(y0.lowHalf)
            a1 += SIMD4<Double>(x0.highHalf) * SIMD4<Double>(y0.highHalf)
            a2 += SIMD4<Double>(x1.lowHalf) * SIMD4<Double>(y1.lowHalf)
            a3 += SIMD4<Double>(x1.highHalf) * SIMD4<Double>(y1.highHalf)
            i += 16
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += Double(x[i]) * Double(y[i]); i += 1 }
        return s
    }

    /// `Σ x[i]` in Float64.
    @inlinable
    public static func sum(_ x: UnsafePointer<Float>, count n: Int) -> Double {
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        var i = 0
        while i + 8 <= n {
            let v = load8(x, i)
            a0 += SIMD4<Double>(v.lowHalf)
            a1 += SIMD4<Double>(v.highHalf)
            i += 8
        }
        var s = (a0 + a1).sum()
        while i < n { s += Double(x[i]); i += 1 }
        return s
    }

    /// `Σ x[i]` in Float32 with 16 lanes of partial sums: for per-row work inside kernels.
    @inlinable @inline(__always)
    public static func sumF32(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var a0 = Float8(), a1 = Float8()
        var i = 0
        while i + 16 <= n { a0 += load8(x, i); a1 += load8(x, i + 8); i += 16 }
        if i + 8 <= n { a0 += load8(x, i); i += 8 }
        var s = (a0 + a1).sum()
        while i < n { s += x[i]; i += 1 }
        return s
    }

    /// `Σ x[i]·y[i]` in Float32 with 16 lanes of partial sums: for per-row work inside kernels.
    @inlinable @inline(__always)
    public static func dotF32(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        var a0 = Float8(), a1 = Float8()
        var i = 0
        while i + 16 <= n {
            a0 += load8(x, i) * load8(y, i)
            a1 += load8(x, i + 8) * load8(y, i + 8)
            i += 16
        }
        if i + 8 <= n { a0 += load8(x, i) * load8(y, i); i += 8 }
        var s = (a0 + a1).sum()
        while i < n { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// `max x[i]` (−∞ for an empty buffer).
    @inlinable @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, count n: Int) -> Float {
        var m8 = Float8(repeating: -.infinity)
        var i = 0
        while i + 8 <= n { m8 = vmax(m8, load8(x, i)); i += 8 }
        var m = m8[0]   // lane by lane: SIMD's own `max()` is an out-of-line generic call
        for j in 1..<8 { m = Swift.max(m, m8[j]) }
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        return m
    }
}
