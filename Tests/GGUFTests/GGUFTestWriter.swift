import GGUF

/// A tiny GGUF writer for tests: the header, metadata and tensor table as the format describes
/// them, then the data section with each tensor's raw bytes at an aligned offset. Written
/// independently of the reader (from ggml's docs/gguf.md), so that round trips test the reader.
struct GGUFTestWriter {
    var version: UInt32 = 3
    var alignment = 32
    var metadata: [(String, GGUFValue)] = []
    var tensors: [(name: String, dimensions: [Int], typeCode: UInt32, data: [UInt8])] = []

    mutating func add(_ key: String, _ value: GGUFValue) { metadata.append((key, value)) }

    mutating func addTensor(_ name: String, dimensions: [Int], type: GGMLType, data: [UInt8]) {
        tensors.append((name, dimensions, type.rawValue, data))
    }

    /// A tensor with any type code, known to ggml or not.
    mutating func addTensor(_ name: String, dimensions: [Int], typeCode: UInt32, data: [UInt8]) {
        tensors.append((name, dimensions, typeCode, data))
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        out.le(version)
        out.le(UInt64(tensors.count))
        out.le(UInt64(metadata.count))
        for (key, value) in metadata {
            out.string(key)
            out.le(value.type.rawValue)
            out.value(value)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            out.string(t.name)
            out.le(UInt32(t.dimensions.count))
            for d in t.dimensions { out.le(UInt64(d)) }
            out.le(t.typeCode)
            out.le(UInt64(offset))
            offsets.append(offset)
            offset = (offset + t.data.count + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        let start = out.count
        for (t, o) in zip(tensors, offsets) {
            while out.count < start + o { out.append(0) }
            out += t.data
        }
        return out
    }
}

extension [UInt8] {
    mutating func le<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        le(UInt64(s.utf8.count))
        append(contentsOf: s.utf8)
    }

    mutating func value(_ v: GGUFValue) {
        switch v {
        case .uint8(let x): le(x)
        case .int8(let x): le(x)
        case .uint16(let x): le(x)
        case .int16(let x): le(x)
        case .uint32(let x): le(x)
        case .int32(let x): le(x)
        case .uint64(let x): le(x)
        case .int64(let x): le(x)
        case .float32(let x): le(x.bitPattern)
        case .float64(let x): le(x.bitPattern)
        case .bool(let b): append(b ? 1 : 0)
        case .string(let s): string(s)
        case .array(let t, let elements):
            le(t.rawValue)
            le(UInt64(elements.count))
            for e in elements { value(e) }
        }
    }
}

/// IEEE binary16 bit patterns of simple values, computed by hand for tests: a normal number
/// `(−1)^s·(1 + m/1024)·2^(e−15)` from its sign, unbiased exponent and mantissa.
func halfBits(sign: Bool = false, exponent: Int, mantissa: Int) -> UInt16 {
    (sign ? 0x8000 : 0) | UInt16(exponent + 15) << 10 | UInt16(mantissa)
}

/// The value of `halfBits(sign:exponent:mantissa:)`, computed in Double.
func halfValue(sign: Bool = false, exponent: Int, mantissa: Int) -> Double {
    (sign ? -1 : 1) * (1 + Double(mantissa) / 1024) * pow2(exponent)
}

func pow2(_ e: Int) -> Double { e >= 0 ? Double(1 << e) : 1 / Double(1 << -e) }
