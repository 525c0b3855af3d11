/// Per-row operations of softmax-like kernels.
public enum RowOps {
    /// `x[i] ← exp(x[i] − shift)` for `i < n`; returns the sum of the new values (Float32,
    /// 8 lanes of partial sums).
    @inlinable
    public static func expInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var s8 = Float8(), i = 0
        while i + 8 <= n {
            let e = VectorMath.exp(load8(x, i) - shift)
            store8(e, x, i)
            s8 += e
            i += 8
        }
        var s = s8.sum()
        if i < n {
            var v = Float8()
            for j in i..<n { v[j - i] = x[j] }
            let e = VectorMath.exp(v - shift)
            for j in i..<n { x[j] = e[j - i]; s += e[j - i] }
        }
        return s
    }

    /// `Σ exp(x[i] − shift)` for `i < n`, without writing.
    @inlinable
    public static func expSum(_ x: UnsafePointer<Float>, count n: Int, shift: Float) -> Float {
        var s0 = Float8(), s1 = Float8(), i = 0
        while i + 16 <= n {
            s0 += VectorMath.exp(load8(x, i) - shift)
            s1 += VectorMath.exp(load8(x, i + 8) - shift)
            i += 16
        }
        if i + 8 <= n { s0 += VectorMath.exp(load8(x, i) - shift); i += 8 }
        var s = (s0 + s1).sum()
        if i < n {
            var v = Float8()
            for j in i..<n { v[j - i] = x[j] }
            let e = VectorMath.exp(v - shift)
            for j in i..<n { s += e[j - i] }
        }
        return s
    }

    /// `y[i] ← y[i] + c·exp(x[i] − shift)` for `i < n`.
    @inlinable
    public static func addScaledExp(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
        shift: Float, scale c: Float
    ) {
        var i = 0
        while i + 8 <= n {
            store8(load8(y, i) + c * VectorMath.exp(load8(x, i) - shift), y, i)
            i += 8
        }
        if i < n {
            var v = Float8()
            for j in i..<n { v[j - i] = x[j] }
            let e = VectorMath.exp(v - shift)
            for j in i..<n { y[j] += c * e[j - i] }
        }
    }

    /// `x[i] ← x[i]·c` for `i < n`.
    @inlinable
    public static func scale(_ x: UnsafeMutablePointer<Float>, count n: Int, by c: Float) {
        var i = 0
        while i + 8 <= n { store8(load8(x, i) * c, x, i); i += 8 }
        while i < n { x[i] *= c; i += 1 }
    }

    /// `y[i] ← y[i] + x[i]` for `i < n`.
    @inlinable
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n { store8(load8(y, i) + load8(x, i), y, i); i += 8 }
        while i < n { y[i] += x[i]; i += 1 }
    }
}
