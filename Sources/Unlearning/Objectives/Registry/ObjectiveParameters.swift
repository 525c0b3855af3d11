import Foundation

/// The hyper-parameters of one objective, as a config file spells them: a struct whose `init()`
/// holds the defaults and whose `fields` name every key, its meaning and its allowed values.
/// Decoding and encoding are driven by `fields`, so a key left out keeps its default:
///
///     public struct Parameters: ObjectiveParameters {
///         public var beta = 0.1
///         public init() {}
///         public static var fields: [ParameterField<Self>] {
///             [.number("beta", \.beta, .positive, "inverse temperature β")]
///         }
///     }
package protocol ObjectiveParameters: Codable, Equatable, Sendable {
    /// The defaults.
    init()
    /// Every key, in the order a resolved config writes them.
    static var fields: [ParameterField<Self>] { get }
    /// Other spellings of a parameter (another code base's name), read after `fields`.
    static var aliases: [ParameterAlias<Self>] { get }
}

extension ObjectiveParameters {
    package static var aliases: [ParameterAlias<Self>] { [] }

    /// Every key a config may set for these parameters: the fields, then the aliases.
    package static var keys: [String] { fields.map(\.key) + aliases.map(\.key) }

    /// The field named `key`, if there is one.
    package static func field(_ key: String) -> ParameterField<Self>? { fields.first { $0.key == key } }

    /// The value of `key` (a field) as a number; nil for an unset optional field or an unknown key.
    package subscript(key: String) -> Double? { Self.field(key)?.number(in: self) }

    /// Every field whose value breaks its rule: (key, problem), in field order.
    package func problems() -> [(key: String, problem: String)] {
        Self.fields.compactMap { field in field.problem(in: self).map { (field.key, $0) } }
    }

    /// Whether `other` holds the same type and values.
    package func isEqual(to other: any ObjectiveParameters) -> Bool { (other as? Self) == self }

    package init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: ParameterKey.self)
        for field in Self.fields { try field.decode(into: &self, from: container) }
        for alias in Self.aliases {
            if let value = try container.decodeIfPresent(Double.self, forKey: ParameterKey(alias.key)) {
                alias.apply(&self, value)
            }
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ParameterKey.self)
        for field in Self.fields { try field.encode(self, into: &container) }
    }
}

/// The hyper-parameters of an objective that takes none.
package struct NoParameters: ObjectiveParameters {
    package init() {}
    package static var fields: [ParameterField<Self>] { [] }
}

/// The values a number may take.
package enum ParameterRule: Sendable, Equatable {
    /// Finite and > 0.
    case positive
    /// Finite and ≥ 0.
    case nonNegative
    /// Any finite number.
    case finite

    /// What is wrong with `value`, or nil.
    package func problem(_ value: Double) -> String? {
        if !value.isFinite { return "must be a finite number, got \(value)" }
        switch self {
        case .positive where value <= 0: return "must be > 0, got \(value)"
        case .nonNegative where value < 0: return "must be ≥ 0, got \(value)"
        default: return nil
        }
    }

    /// The rule in words, for help texts: "> 0", "≥ 0", "any number".
    package var text: String {
        switch self {
        case .positive: return "> 0"
        case .nonNegative: return "≥ 0"
        case .finite: return "any number"
        }
    }
}

/// One hyper-parameter: its config key, what it means, its allowed values and where it lives in
/// the parameter struct.
package struct ParameterField<Parameters>: @unchecked Sendable {
    /// The stored value: a real number with a rule, or a block index (nil: the objective's
    /// default block).
    package enum Storage {
        case number(WritableKeyPath<Parameters, Double>, ParameterRule)
        case block(WritableKeyPath<Parameters, Int?>)
    }

    /// The config key under `objective.forget` or `objective.retain`.
    package let key: String
    /// One line: what the parameter is.
    package let summary: String
    package let storage: Storage

    /// A real-valued hyper-parameter.
    package static func number(
        _ key: String, _ path: WritableKeyPath<Parameters, Double>, _ rule: ParameterRule,
        _ summary: String
    ) -> Self {
        Self(key: key, summary: summary, storage: .number(path, rule))
    }

    /// A block index (0-based; null: the default block the summary names).
    package static func block(_ key: String, _ path: WritableKeyPath<Parameters, Int?>, _ summary: String) -> Self {
        Self(key: key, summary: summary, storage: .block(path))
    }

    /// The allowed values in words: "> 0", "≥ 0", "any number", "a block index ≥ 0, or null".
    package var allowed: String {
        switch storage {
        case let .number(_, rule): return rule.text
        case .block: return "a block index ≥ 0, or null"
        }
    }

    /// The value in `parameters` as a number (nil for an unset block).
    package func number(in parameters: Parameters) -> Double? {
        switch storage {
        case let .number(path, _): return parameters[keyPath: path]
        case let .block(path): return parameters[keyPath: path].map(Double.init)
        }
    }

    /// The value in `parameters` as a config writes it: "0.1", "null".
    package func text(in parameters: Parameters) -> String {
        switch storage {
        case let .number(path, _): return "\(parameters[keyPath: path])"
        case let .block(path): return parameters[keyPath: path].map(String.init) ?? "null"
        }
    }

    /// What is wrong with the value in `parameters`, or nil.
    func problem(in parameters: Parameters) -> String? {
        switch storage {
        case let .number(path, rule): return rule.problem(parameters[keyPath: path])
        case let .block(path):
            guard let block = parameters[keyPath: path], block < 0 else { return nil }
            return "must be at least 0, got \(block)"
        }
    }

    func decode(into parameters: inout Parameters, from container: KeyedDecodingContainer<ParameterKey>) throws {
        let key = ParameterKey(self.key)
        switch storage {
        case let .number(path, _):
            if let value = try container.decodeIfPresent(Double.self, forKey: key) { parameters[keyPath: path] = value }
        case let .block(path):
            if let value = try container.decodeIfPresent(Int.self, forKey: key) { parameters[keyPath: path] = value }
        }
    }

    func encode(_ parameters: Parameters, into container: inout KeyedEncodingContainer<ParameterKey>) throws {
        let key = ParameterKey(self.key)
        switch storage {
        case let .number(path, _): try container.encode(parameters[keyPath: path], forKey: key)
        case let .block(path): try container.encodeIfPresent(parameters[keyPath: path], forKey: key)
        }
    }
}

/// Another spelling of a hyper-parameter, as another code base writes it, and how it sets the
/// parameters (after every field has been read): open-unlearning's SimNPO `delta` sets γ = β·δ.
package struct ParameterAlias<Parameters>: @unchecked Sendable {
    /// The accepted key.
    package let key: String
    /// The field it sets; giving both is an error.
    package let sets: String
    /// One line: whose name it is and how it maps.
    package let summary: String
    let apply: (inout Parameters, Double) -> Void

    package init(_ key: String, sets: String, _ summary: String, apply: @escaping (inout Parameters, Double) -> Void) {
        self.key = key
        self.sets = sets
        self.summary = summary
        self.apply = apply
    }
}

/// A hyper-parameter's key in a keyed container.
struct ParameterKey: CodingKey {
    var stringValue: String
    init(_ key: String) { stringValue = key }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}
