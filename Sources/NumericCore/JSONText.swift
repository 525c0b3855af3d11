/// Writing JSON text by hand, for files whose bytes must not depend on a library's formatting
/// (safetensors headers, tokenizer files, generated data sets, evaluation reports): the same values
/// always give the same bytes. gscope's one JSON writer: pieces of text (`quoted`, `number`,
/// `array`, `object`) for writers that assemble their own layout, and a tree of values (`Value`)
/// with compact and indented text for reports.
public enum JSONText {
    /// How a string literal is escaped.
    public enum Style: Sendable {
        /// As serde_json (the reference safetensors writer): `"` `\` and the short escapes
        /// `\b \f \n \r \t`, other controls as `\u00XX`, everything else verbatim UTF-8.
        case verbatimUnicode
        /// As pandas writes TOFU's files: `"` `\` `\n \r \t`, every other control and every
        /// non-ASCII character as `\uXXXX` (UTF-16 units), and `/` as `\/` when `escapeSlash`.
        case asciiEscaped(escapeSlash: Bool)
    }

    /// `s` as a JSON string literal in the given style.
    public static func quoted(_ s: String, style: Style = .verbatimUnicode) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch (scalar, style) {
            case ("\"", _): out += "\\\""
            case ("\\", _): out += "\\\\"
            case ("\n", _): out += "\\n"
            case ("\r", _): out += "\\r"
            case ("\t", _): out += "\\t"
            case ("/", .asciiEscaped(escapeSlash: true)): out += "\\/"
            case ("\u{08}", .verbatimUnicode): out += "\\b"
            case ("\u{0C}", .verbatimUnicode): out += "\\f"
            case (let c, .verbatimUnicode) where c.value < 0x20: out += unicodeEscape(UInt16(c.value))
            case (let c, .asciiEscaped) where c.value < 0x20 || c.value > 0x7E:
                for unit in String(c).utf16 { out += unicodeEscape(unit) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A number in Swift's shortest round-trip form (`0.1`, `0.028571428571428571`); NaN and the
    /// infinities come out as Swift spells them (`nan`, `inf`, `-inf`), which is not JSON: a `Value`
    /// writes them as `null`.
    public static func number(_ d: Double) -> String { "\(d)" }

    /// An array of values that are already JSON text.
    public static func array(_ items: [String], separator: String = ",") -> String {
        "[" + items.joined(separator: separator) + "]"
    }

    /// An object from ordered key–value pairs whose values are already JSON text.
    public static func object(_ pairs: [(String, String)], compact: Bool = true) -> String {
        let kv = compact ? ":" : ": ", sep = compact ? "," : ", "
        return "{" + pairs.map { quoted($0.0) + kv + $0.1 }.joined(separator: sep) + "}"
    }

    private static func unicodeEscape(_ unit: UInt16) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// A JSON value with ordered object keys (NaN and infinities are written as `null`).
    public indirect enum Value: Sendable, Equatable {
        case null
        case number(Double)
        case string(String)
        case array([Value])
        case object([(String, Value)])

        /// Compact JSON text.
        public var text: String {
            switch self {
            case .null: return "null"
            case .number(let d): return d.isFinite ? JSONText.number(d) : "null"
            case .string(let s): return JSONText.quoted(s)
            case .array(let items): return JSONText.array(items.map(\.text))
            case .object(let pairs): return JSONText.object(pairs.map { ($0.0, $0.1.text) })
            }
        }

        /// Indented JSON text, two spaces per level; an array of numbers stays on one line.
        public func pretty(indent: String = "") -> String {
            let inner = indent + "  "
            switch self {
            case .array(let items) where !items.isEmpty:
                if items.allSatisfy({ if case .number = $0 { true } else { false } }) { return text }
                return "[\n" + items.map { inner + $0.pretty(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
            case .object(let pairs) where !pairs.isEmpty:
                return "{\n"
                    + pairs.map { inner + JSONText.quoted($0.0) + ": " + $0.1.pretty(indent: inner) }.joined(separator: ",\n")
                    + "\n" + indent + "}"
            default: return text
            }
        }

        /// Two values are equal when they write the same text.
        public static func == (a: Value, b: Value) -> Bool { a.text == b.text }

        /// The value under `key` of an object (nil otherwise).
        public subscript(key: String) -> Value? {
            if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
            return nil
        }

        /// The number, if this is one.
        public var number: Double? {
            if case .number(let d) = self { return d }
            return nil
        }
    }
}
