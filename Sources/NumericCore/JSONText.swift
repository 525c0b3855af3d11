/// Writing JSON text by hand, for files whose bytes must not depend on a library's formatting
/// (safetensors headers, tokenizer files, generated data sets): the same values always give the
/// same bytes.
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

    /// A number in Swift's shortest round-trip form (`0.1`, `0.028571428571428571`).
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
}
