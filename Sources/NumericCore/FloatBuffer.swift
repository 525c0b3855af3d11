import Foundation

/// A fixed-size, 64-byte-aligned, zero-initialised Float32 buffer owned by a class instance.
///
/// The engine's big arrays (parameters, gradients, optimiser moments, activations) are these:
/// kernels take their raw pointers, and nothing is copied behind the caller's back.
public final class FloatBuffer {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0)
        self.count = count
        let bytes = max(count, 1) * 4
        // Large buffers sit on 2 MiB boundaries and ask for transparent huge pages (the kernel
        // grants them only on request, `madvise` mode): fewer TLB misses in the big sweeps.
        let huge = bytes >= Self.hugePageBytes
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: huge ? Self.hugePageBytes : 64)
        if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    private static let hugePageBytes = 2 << 20

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { base.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: base, count: count) }

    public subscript(i: Int) -> Float {
        get { base[i] }
        set { base[i] = newValue }
    }

    public func zero() {
        let p = base
        Parallel.forRanges(count, grain: 1 << 20) { r in (p + r.lowerBound).update(repeating: 0, count: r.count) }
    }

    /// A copy as a Swift array.
    public var array: [Float] { Array(buffer) }
}
