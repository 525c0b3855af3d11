import NumericCore

/// A JSON value with ordered object keys, written by hand so that the same values always give the
/// same bytes (NaN and infinities become `null`).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

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

    /// Indented JSON text, two spaces per level.
    public func pretty(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .array(let items) where !items.isEmpty:
            if items.allSatisfy({ if case .number = $0 { true } else { false } }) { return text }
            return "[\n" + items.map { inner + $0.pretty(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let pairs) where !pairs.isEmpty:
            return "{\n" + pairs.map { inner + JSONText.quoted($0.0) + ": " + $0.1.pretty(indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "}"
        default: return text
        }
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.text == b.text }

    /// The value under `key` of an object (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    /// The number, if this is one.
    public var number: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
}
