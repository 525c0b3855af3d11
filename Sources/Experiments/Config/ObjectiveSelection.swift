import NumericCore
import Unlearning

extension ExperimentConfig {
    /// `objective.forget:` — a forget objective of `ObjectiveRegistry.forget` (`name`) and its
    /// hyper-parameters, the objective's own `Parameters` (keys left out keep its defaults; a key
    /// the objective does not read is an error). A resolved config writes every parameter.
    package struct ForgetObjective: Codable, Equatable, Sendable {
        /// The objective.
        package let term: any ForgetObjectiveTerm.Type
        /// Its hyper-parameters, of type `term.Parameters`.
        package let parameters: any ObjectiveParameters

        /// `term` with `parameters` (its defaults when left out).
        package init<Term: ForgetObjectiveTerm>(_ term: Term.Type, _ parameters: Term.Parameters = .init()) {
            self.term = term
            self.parameters = parameters
        }

        /// The objective's name.
        package var name: String { term.name }

        /// The hyper-parameter `key` as a number (nil for an unset block or a key the objective
        /// does not read).
        package subscript(key: String) -> Double? { parameters[key] }

        /// The objective's term for a model of `shape` (RMU draws its direction from `rng`).
        package func makeTerm(shape: ObjectiveModelShape, rng: inout RNG) -> any ObjectiveTerm {
            term.make(parameters, shape: shape, rng: &rng)
        }

        package init(from decoder: any Decoder) throws {
            let name = try ObjectiveName.decode(from: decoder, kind: "forget objective", names: ObjectiveRegistry.forgetNames)
            guard let term = ObjectiveRegistry.forget(named: name) else { preconditionFailure("decode checked the name") }
            self.term = term
            parameters = try term.decodeParameters(from: decoder)
        }

        package func encode(to encoder: any Encoder) throws {
            try ObjectiveName.encode(name, to: encoder)
            try parameters.encode(to: encoder)
        }

        package static func == (a: Self, b: Self) -> Bool { a.name == b.name && a.parameters.isEqual(to: b.parameters) }
    }

    /// `objective.retain:` — `none`, or a retain term of `ObjectiveRegistry.retain` (`name`) and
    /// its hyper-parameters, as for the forget objective.
    package struct RetainTerm: Codable, Equatable, Sendable {
        /// The term; nil for `none`.
        package let term: (any RetainObjectiveTerm.Type)?
        /// Its hyper-parameters, of type `term.Parameters` (`NoParameters` for `none`).
        package let parameters: any ObjectiveParameters

        /// No retain term.
        package init() {
            term = nil
            parameters = NoParameters()
        }

        /// `term` with `parameters` (its defaults when left out).
        package init<Term: RetainObjectiveTerm>(_ term: Term.Type, _ parameters: Term.Parameters = .init()) {
            self.term = term
            self.parameters = parameters
        }

        /// The term's name, `none` when there is none.
        package var name: String { term?.name ?? ObjectiveRegistry.noRetainTerm }

        /// The hyper-parameter `key` as a number (nil for an unset block or a key the term does
        /// not read).
        package subscript(key: String) -> Double? { parameters[key] }

        /// The term for a model of `shape`; nil for `none`.
        package func makeTerm(shape: ObjectiveModelShape) -> (any ObjectiveTerm)? {
            term?.make(parameters, shape: shape)
        }

        package init(from decoder: any Decoder) throws {
            let name = try ObjectiveName.decode(from: decoder, kind: "retain term", names: ObjectiveRegistry.retainNames)
            let term = ObjectiveRegistry.retain(named: name)
            self.term = term
            parameters = try term?.decodeParameters(from: decoder) ?? NoParameters()
        }

        package func encode(to encoder: any Encoder) throws {
            try ObjectiveName.encode(name, to: encoder)
            try parameters.encode(to: encoder)
        }

        package static func == (a: Self, b: Self) -> Bool { a.name == b.name && a.parameters.isEqual(to: b.parameters) }
    }
}

/// The `name` key of `objective.forget` and `objective.retain`.
enum ObjectiveName: String, CodingKey {
    case name

    /// The name, checked against `names`: "unknown forget objective 'npx' (expected one of: …)".
    static func decode(from decoder: any Decoder, kind: String, names: [String]) throws -> String {
        let container = try decoder.container(keyedBy: Self.self)
        let name = try container.decode(String.self, forKey: .name)
        guard names.contains(name) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: container.codingPath + [Self.name],
                    debugDescription: "unknown \(kind) '\(name)' (expected one of: \(names.joined(separator: ", ")))"))
        }
        return name
    }

    static func encode(_ name: String, to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Self.self)
        try container.encode(name, forKey: .name)
    }
}
