/// Typed access to metadata, with errors that name the key and say what was found.
extension GGUFFile {
    /// The value of `key`, or an error naming the missing key.
    package func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError(file: path, "metadata \(key) is missing") }
        return v
    }

    /// A string value.
    package func string(_ key: String) throws(GGUFError) -> String {
        let v = try value(key)
        guard let s = v.string else { throw mismatch(key, v, "a string") }
        return s
    }

    /// An integer value of any integer type.
    package func int(_ key: String) throws(GGUFError) -> Int {
        let v = try value(key)
        guard let i = v.int else { throw mismatch(key, v, "an integer") }
        return i
    }

    /// A floating-point (or integer) value.
    package func double(_ key: String) throws(GGUFError) -> Double {
        let v = try value(key)
        guard let d = v.double else { throw mismatch(key, v, "a number") }
        return d
    }

    /// A bool value.
    package func bool(_ key: String) throws(GGUFError) -> Bool {
        let v = try value(key)
        guard let b = v.bool else { throw mismatch(key, v, "a bool") }
        return b
    }

    /// An array of strings.
    package func strings(_ key: String) throws(GGUFError) -> [String] {
        let v = try value(key)
        guard case .array(.string, let elements) = v else { throw mismatch(key, v, "an array of strings") }
        return elements.map { $0.string! }
    }

    /// An array of integers (any integer element type).
    package func ints(_ key: String) throws(GGUFError) -> [Int] {
        let v = try value(key)
        guard case .array(let t, let elements) = v, t != .bool, t != .float32, t != .float64, t != .string, t != .array,
            case let ints = elements.compactMap(\.int), ints.count == elements.count
        else {
            throw mismatch(key, v, "an array of integers")
        }
        return ints
    }

    func mismatch(_ key: String, _ v: GGUFValue, _ expected: String) -> GGUFError {
        let found = if case .array(let t, _) = v { "an array of \(t)" } else { "\(v.type)" }
        return GGUFError(file: path, "metadata \(key) is \(found), expected \(expected)")
    }
}
