/// Unaligned 8-lane loads and stores: the element-wise kernels walk buffers eight floats at a
/// time (AVX2 width) and finish the tail with scalars.
public typealias Float8 = SIMD8<Float>

@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>, _ i: Int) -> Float8 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Float8.self)
}

@inlinable @inline(__always)
public func load8(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> Float8 {
    UnsafeRawPointer(p + i).loadUnaligned(as: Float8.self)
}

@inlinable @inline(__always)
public func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: Float8.self)
}

/// Lane-wise maximum and minimum. The standard library's `pointwiseMax`/`pointwiseMin` (and
/// `clamped`, built on them) compile to out-of-line generic calls that split the vector in two;
/// compare-and-blend inlines to `vcmpps` + `vblendvps`.
@inlinable @inline(__always)
public func vmax(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: a .< b) }

@inlinable @inline(__always)
public func vmin(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: b .< a) }
