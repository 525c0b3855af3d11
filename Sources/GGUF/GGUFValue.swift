/// The type codes of GGUF metadata values (`gguf_type` in ggml's `gguf.h`).
package enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The name as in ggml (`u8`, `i32`, `f32`, `str`, `arr`, …).
    package var description: String {
        switch self {
        case .uint8: "u8"
        case .int8: "i8"
        case .uint16: "u16"
        case .int16: "i16"
        case .uint32: "u32"
        case .int32: "i32"
        case .float32: "f32"
        case .bool: "bool"
        case .string: "str"
        case .array: "arr"
        case .uint64: "u64"
        case .int64: "i64"
        case .float64: "f64"
        }
    }
}

/// One GGUF metadata value. Scalars are little-endian; a string is a u64 byte length followed by
/// that many UTF-8 bytes (no terminator); an array is a u32 element type, a u64 count and the
/// elements, all of that one type (arrays of arrays are allowed by the format).
package indirect enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// Elements of one type, `elementType`.
    case array(elementType: GGUFValueType, [GGUFValue])

    /// The value's type code.
    package var type: GGUFValueType {
        switch self {
        case .uint8: .uint8
        case .int8: .int8
        case .uint16: .uint16
        case .int16: .int16
        case .uint32: .uint32
        case .int32: .int32
        case .uint64: .uint64
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        case .bool: .bool
        case .string: .string
        case .array: .array
        }
    }

    /// The value as an integer, for any integer type whose value fits in `Int`; nil otherwise.
    package var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a `Double`, for floating-point and integer types; nil otherwise.
    package var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    package var string: String? { if case .string(let s) = self { s } else { nil } }
    package var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    package var array: [GGUFValue]? { if case .array(_, let a) = self { a } else { nil } }

    /// A short human-readable rendering: scalars as themselves, strings quoted and cut at
    /// `maxCharacters`, arrays as their type and length with the first few elements.
    package func summary(maxCharacters: Int = 80, maxElements: Int = 4) -> String {
        switch self {
        case .string(let s):
            let escaped = s.replacingOccurrences(of: "\n", with: "\\n")
            let cut = escaped.count > maxCharacters ? String(escaped.prefix(maxCharacters)) + "…" : escaped
            return "\"\(cut)\""
        case .array(let t, let elements):
            let head = elements.prefix(maxElements).map { $0.summary(maxCharacters: 24, maxElements: 2) }
            let more = elements.count > maxElements ? ", …" : ""
            return "[\(t)×\(elements.count)] [\(head.joined(separator: ", "))\(more)]"
        case .bool(let b): return b ? "true" : "false"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        default: return "\(int ?? 0)"
        }
    }
}
