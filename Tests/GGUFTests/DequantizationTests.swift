import Foundation
import Testing
import GGUF

/// Each block type: blocks built here from known scales and quants (packed by this file's own
/// encoders, written from ggml's block layouts), dequantized by the reader, and compared exactly
/// with the formula evaluated in Double. Every scale is a binary16 value made from its sign,
/// exponent and mantissa, so the expected values are known without any half-to-float conversion.
@Suite("GGUF dequantization")
struct DequantizationTests {
    /// A small seeded generator (SplitMix64), independent of the library.
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        /// A random normal binary16 scale: sign, exponent in -12...-2, mantissa.
        mutating func scale() -> (bits: UInt16, value: Double) {
            let s = next() & 1 == 1, e = int(-12 ... -2), m = int(0...1023)
            return (halfBits(sign: s, exponent: e, mantissa: m), halfValue(sign: s, exponent: e, mantissa: m))
        }
    }

    func dequantize(_ type: GGMLType, _ bytes: [UInt8], count: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer {
                GGUFDequantizer.dequantize(type, from: raw.baseAddress!, count: count, into: $0.baseAddress!)
            }
        }
        return out
    }

    @Test func halfToFloatIsExact() {
        #expect(GGUFDequantizer.halfToFloat(0x3C00) == 1)
        #expect(GGUFDequantizer.halfToFloat(0xC000) == -2)
        #expect(GGUFDequantizer.halfToFloat(0x7BFF) == 65504)
        #expect(GGUFDequantizer.halfToFloat(0x0001) == 0x1p-24)   // smallest subnormal
        #expect(GGUFDequantizer.halfToFloat(0x03FF) == Float(1023) * 0x1p-24)   // largest subnormal
        #expect(GGUFDequantizer.halfToFloat(0x8000).sign == .minus && GGUFDequantizer.halfToFloat(0x8000) == 0)
        #expect(GGUFDequantizer.halfToFloat(0x7C00) == .infinity)
        #expect(GGUFDequantizer.halfToFloat(0xFC00) == -.infinity)
        #expect(GGUFDequantizer.halfToFloat(0x7E00).isNaN)
        var mix = Mix(state: 1)
        for _ in 0..<1000 {
            let s = mix.next() & 1 == 1, e = mix.int(-14...15), m = mix.int(0...1023)
            #expect(
                Double(GGUFDequantizer.halfToFloat(halfBits(sign: s, exponent: e, mantissa: m)))
                    == halfValue(sign: s, exponent: e, mantissa: m))
        }
    }

    @Test func f32F16BF16() {
        let f: [Float] = [0, -1.5, 3.25e-7, 1e30, -.infinity]
        var bytes: [UInt8] = []
        for v in f { bytes.le(v.bitPattern) }
        #expect(dequantize(.f32, bytes, count: 5) == f)

        var mix = Mix(state: 2)
        var halfs: [UInt8] = [], expected: [Float] = []
        for _ in 0..<64 {
            let s = mix.next() & 1 == 1, e = mix.int(-14...15), m = mix.int(0...1023)
            halfs.le(halfBits(sign: s, exponent: e, mantissa: m))
            expected.append(Float(halfValue(sign: s, exponent: e, mantissa: m)))
        }
        #expect(dequantize(.f16, halfs, count: 64) == expected)

        // BF16: the upper 16 bits of a binary32.
        var bf: [UInt8] = [], bfExpected: [Float] = []
        for v: Float in [1, -2.5, 0.15625, 3e38, -1e-30] {
            let upper = UInt16(v.bitPattern >> 16)
            bf.le(upper)
            bfExpected.append(Float(bitPattern: UInt32(upper) << 16))
        }
        #expect(dequantize(.bf16, bf, count: 5) == bfExpected)
        #expect(bfExpected[0] == 1 && bfExpected[1] == -2.5 && bfExpected[2] == 0.15625)
    }

    @Test func q8_0() {
        var mix = Mix(state: 3)
        var bytes: [UInt8] = [], expected: [Float] = []
        for _ in 0..<3 {
            let d = mix.scale()
            bytes.le(d.bits)
            for _ in 0..<32 {
                let q = mix.int(-128...127)
                bytes.append(UInt8(bitPattern: Int8(q)))
                expected.append(Float(d.value * Double(q)))
            }
        }
        #expect(bytes.count == 3 * 34)
        #expect(dequantize(.q8_0, bytes, count: 96) == expected)
    }

    @Test func q4_0() {
        var mix = Mix(state: 4)
        var bytes: [UInt8] = [], expected: [Float] = []
        for _ in 0..<3 {
            let d = mix.scale()
            let q = (0..<32).map { _ in mix.int(0...15) }   // element j's 4-bit quant
            bytes.le(d.bits)
            for j in 0..<16 { bytes.append(UInt8(q[j] | q[j + 16] << 4)) }
            expected += q.map { Float(d.value * Double($0 - 8)) }
        }
        #expect(bytes.count == 3 * 18)
        #expect(dequantize(.q4_0, bytes, count: 96) == expected)
    }

    @Test func q4_1() {
        var mix = Mix(state: 5)
        var bytes: [UInt8] = [], expected: [Float] = []
        for _ in 0..<3 {
            let d = mix.scale(), m = mix.scale()
            let q = (0..<32).map { _ in mix.int(0...15) }
            bytes.le(d.bits)
            bytes.le(m.bits)
            for j in 0..<16 { bytes.append(UInt8(q[j] | q[j + 16] << 4)) }
            expected += q.map { Float(d.value * Double($0) + m.value) }
        }
        #expect(bytes.count == 3 * 20)
        #expect(dequantize(.q4_1, bytes, count: 96) == expected)
    }

    /// Q6_K: element i of a 256-block (half h = i / 128, r = i % 128, l = r % 32, g = r / 32) keeps
    /// its low 4 bits in `ql[64h + l + 32·(g & 1)]` (low nibble for g < 2, high for g ≥ 2) and its
    /// high 2 bits in bits 2g, 2g+1 of `qh[32h + l]`; scale `sc[i / 16]`, super-scale d at byte 208.
    @Test func q6_K() {
        var mix = Mix(state: 6)
        var bytes: [UInt8] = [], expected: [Float] = []
        for _ in 0..<2 {
            let d = mix.scale()
            let q = (0..<256).map { _ in mix.int(0...63) }
            let sc = (0..<16).map { _ in mix.int(-128...127) }
            var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
            for i in 0..<256 {
                let h = i / 128, r = i % 128, l = r % 32, g = r / 32
                let low = UInt8(q[i] & 0xF), high = UInt8(q[i] >> 4)
                let at = 64 * h + l + 32 * (g & 1)
                ql[at] |= g < 2 ? low : low << 4
                qh[32 * h + l] |= high << (2 * g)
            }
            bytes += ql + qh + sc.map { UInt8(bitPattern: Int8($0)) }
            bytes.le(d.bits)
            for i in 0..<256 { expected.append(Float(d.value * Double(sc[i / 16]) * Double(q[i] - 32))) }
        }
        #expect(bytes.count == 2 * 210)
        #expect(dequantize(.q6_K, bytes, count: 512) == expected)
    }

    /// Against the `gguf` Python package: `Tests/Fixtures/gguf/types.gguf` holds seeded random raw
    /// blocks of every supported type and `gguf.quants.dequantize` of them
    /// (`notebooks-scripts/parity/gguf_fixture.py`). Exact equality is expected.
    @Test(arguments: GGMLType.dequantizable)
    func matchesTheGGUFPackage(type: GGMLType) throws {
        let file = try GGUFFile(path: fixturePath("gguf/types.gguf"))
        let raw = try file.tensor(type.description)
        #expect(raw.type == type && raw.dimensions == [256, 2])
        let expected = try file.floats(type.description + ".expected")
        let got = try file.floats(raw)
        #expect(got.count == expected.count)
        let mismatches = zip(got, expected).enumerated().filter { !($0.1.0 == $0.1.1 || ($0.1.0.isNaN && $0.1.1.isNaN)) }
        #expect(
            mismatches.isEmpty,
            "\(type): \(mismatches.count) values differ, first \(mismatches.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })"
        )
        #expect(expected.contains { $0 != 0 })
    }
}

/// A file under `Tests/Fixtures`, found from this source file's path.
func fixturePath(_ relative: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(relative).path
}
