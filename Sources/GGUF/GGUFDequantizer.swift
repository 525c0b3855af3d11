/// Converts ggml tensor data to `Float`, block by block, following ggml's reference layouts
/// (`ggml-common.h` for the block structs, `ggml-quants.c` `dequantize_row_*` for the formulas).
/// All multi-byte fields are little-endian; `f16(x)` reads an IEEE binary16 value.
///
/// | type | block (elements, bytes) | layout | value of element j |
/// |---|---|---|---|
/// | F32  | 1, 4   | binary32 | itself |
/// | F16  | 1, 2   | binary16 | itself, exactly |
/// | BF16 | 1, 2   | upper half of a binary32 | `bits << 16` as binary32 |
/// | Q8_0 | 32, 34 | `d: f16, qs: [Int8; 32]` | `d·qs[j]` |
/// | Q4_0 | 32, 18 | `d: f16, qs: [UInt8; 16]` | `d·((qs[j] & 0xF) − 8)`, `y[j+16] = d·((qs[j] >> 4) − 8)` (j < 16) |
/// | Q4_1 | 32, 20 | `d: f16, m: f16, qs: [UInt8; 16]` | `d·(qs[j] & 0xF) + m`, `y[j+16] = d·(qs[j] >> 4) + m` (j < 16) |
/// | Q6_K | 256, 210 | `ql: [UInt8; 128], qh: [UInt8; 64], sc: [Int8; 16], d: f16` | see `q6_K` |
///
/// The arithmetic is done in `Float` in the order ggml does it, so results match ggml (and the
/// `gguf` Python package) exactly.
package enum GGUFDequantizer {
    /// Dequantizes `count` elements of type `type` (a multiple of its block size) from `source` into
    /// `destination`. `type` must be one of `GGMLType.dequantizable` (a precondition).
    package static func dequantize(
        _ type: GGMLType, from source: UnsafeRawPointer, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        precondition(count % type.blockSize == 0, "\(count) elements is not a whole number of \(type) blocks")
        let blocks = count / type.blockSize
        switch type {
        case .f32: f32(source, count, destination)
        case .f16: f16(source, count, destination)
        case .bf16: bf16(source, count, destination)
        case .q8_0: q8_0(source, blocks, destination)
        case .q4_0: q4_0(source, blocks, destination)
        case .q4_1: q4_1(source, blocks, destination)
        case .q6_K: q6_K(source, blocks, destination)
        default: preconditionFailure("type \(type) is not dequantizable")
        }
    }

    /// The binary16 value with bit pattern `bits`, as `Float` (exact: every binary16 value,
    /// subnormals, infinities and NaNs included, is a binary32 value).
    ///
    /// sign s, exponent e (5 bits), mantissa m (10 bits): e = 0 → (−1)^s·m·2^−24;
    /// e = 31 → ±∞ (m = 0) or NaN; otherwise (−1)^s·(1 + m/1024)·2^(e−15).
    package static func halfToFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// Every binary16 bit pattern's value (256 KB), so that a conversion is one load.
    static let halfTable: [Float] = (0...UInt16.max).map(halfToFloat)

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int, _ table: UnsafePointer<Float>) -> Float {
        table[Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))]
    }

    static func f32(_ src: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n {
            y[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
    }

    static func f16(_ src: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { t in
            for i in 0..<n { y[i] = half(src, 2 * i, t.baseAddress!) }
        }
    }

    static func bf16(_ src: UnsafeRawPointer, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n {
            y[i] = Float(
                bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
        }
    }

    /// Q8_0: `y[j] = d·qs[j]`.
    static func q8_0(_ src: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { t in
            for b in 0..<blocks {
                let block = src + 34 * b, out = y + 32 * b
                let d = half(block, 0, t.baseAddress!)
                let qs = (block + 2).assumingMemoryBound(to: Int8.self)
                for j in 0..<32 { out[j] = d * Float(qs[j]) }
            }
        }
    }

    /// Q4_0: the low nibbles are elements 0–15, the high nibbles 16–31; `y = d·(q − 8)`.
    static func q4_0(_ src: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { t in
            for b in 0..<blocks {
                let block = src + 18 * b, out = y + 32 * b
                let d = half(block, 0, t.baseAddress!)
                let qs = (block + 2).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    out[j] = d * Float(Int32(qs[j] & 0x0F) - 8)
                    out[j + 16] = d * Float(Int32(qs[j] >> 4) - 8)
                }
            }
        }
    }

    /// Q4_1: the low nibbles are elements 0–15, the high nibbles 16–31; `y = d·q + m`.
    static func q4_1(_ src: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { t in
            for b in 0..<blocks {
                let block = src + 20 * b, out = y + 32 * b
                let d = half(block, 0, t.baseAddress!), m = half(block, 2, t.baseAddress!)
                let qs = (block + 4).assumingMemoryBound(to: UInt8.self)
                for j in 0..<16 {
                    out[j] = d * Float(qs[j] & 0x0F) + m
                    out[j + 16] = d * Float(qs[j] >> 4) + m
                }
            }
        }
    }

    /// Q6_K: 256 elements with 6-bit quants q ∈ [0, 64) and 16 signed 8-bit scales (one per 16
    /// elements) under one f16 super-scale d. The block is two halves of 128 elements; half h uses
    /// `ql[64h ..< 64h+64]`, `qh[32h ..< 32h+32]`, `sc[8h ..< 8h+8]`. For l in 0..<32, within half h:
    ///
    ///     q(l)      = (ql[l]    & 0xF) | ((qh[l] >> 0) & 3) << 4
    ///     q(l + 32) = (ql[l+32] & 0xF) | ((qh[l] >> 2) & 3) << 4
    ///     q(l + 64) = (ql[l]    >> 4)  | ((qh[l] >> 4) & 3) << 4
    ///     q(l + 96) = (ql[l+32] >> 4)  | ((qh[l] >> 6) & 3) << 4
    ///     y(i)      = d · sc[i / 16] · (q(i) − 32)         (i within the half, sc of the half)
    static func q6_K(_ src: UnsafeRawPointer, _ blocks: Int, _ y: UnsafeMutablePointer<Float>) {
        halfTable.withUnsafeBufferPointer { t in
            for b in 0..<blocks {
                let block = src + 210 * b
                let d = half(block, 208, t.baseAddress!)
                for h in 0..<2 {
                    let ql = (block + 64 * h).assumingMemoryBound(to: UInt8.self)
                    let qh = (block + 128 + 32 * h).assumingMemoryBound(to: UInt8.self)
                    let sc = (block + 192 + 8 * h).assumingMemoryBound(to: Int8.self)
                    let out = y + 256 * b + 128 * h
                    for l in 0..<32 {
                        let s = l / 16
                        let q1 = Int32((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32
                        let q2 = Int32((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32
                        let q3 = Int32((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                        let q4 = Int32((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                        out[l] = d * Float(sc[s]) * Float(q1)
                        out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                        out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                        out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
                    }
                }
            }
        }
    }
}
