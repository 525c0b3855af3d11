/// A closed list of names that a config key, a file or a flag accepts: the raw values are the
/// spellings. Decoding an unknown name fails with the list of accepted ones, e.g.
/// `unknown forget split 'forget02' (expected one of: forget01, forget05, forget10, forget20, …)`.
package protocol NamedChoice: RawRepresentable, CaseIterable, Codable, Hashable, Sendable
where RawValue == String {
    /// What the name names, for error messages ("forget split").
    static var kind: String { get }
}

extension NamedChoice {
    /// The accepted spellings, in declaration order.
    package static var names: [String] { allCases.map(\.rawValue) }

    /// Decodes a name, or fails with "unknown <kind> 'x' (expected one of: …)". Conforming types
    /// call it from their `init(from:)`.
    package static func decodeChoice(from decoder: any Decoder) throws -> Self {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown \(kind) '\(text)' (expected one of: \(names.joined(separator: ", ")))"))
        }
        return value
    }
}
