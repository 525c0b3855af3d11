import NumericCore

/// What every objective in the registry declares besides its loss: its config name, a one-line
/// description and its hyper-parameter type (with defaults and allowed ranges).
package protocol RegisteredTerm: ObjectiveTerm {
    associatedtype Parameters: ObjectiveParameters
    /// The name in configs, run files and on the command line ("npo").
    static var name: String { get }
    /// One line for `--help`, the README's table and generated configs.
    static var summary: String { get }
}

extension RegisteredTerm {
    package var name: String { Self.name }

    /// Every key a config may set for this term: its parameters' fields, then their aliases.
    package static var parameterKeys: [String] { Parameters.keys }

    /// The aliases: (the accepted key, the field it sets).
    package static var parameterAliases: [(key: String, sets: String)] { Parameters.aliases.map { ($0.key, $0.sets) } }

    /// The default parameters, as an existential (for code that holds the term as `any … .Type`).
    package static var defaultParameters: any ObjectiveParameters { Parameters() }

    /// Decodes this term's parameters (keys left out keep their defaults).
    package static func decodeParameters(from decoder: any Decoder) throws -> any ObjectiveParameters {
        try Parameters(from: decoder)
    }
}

/// The shape of the model an objective is built for: some terms read a block's residual stream
/// and default to the middle block, RMU draws a direction of the model's width.
package struct ObjectiveModelShape: Sendable, Equatable {
    /// The residual stream's width C.
    package var width: Int
    /// The number of transformer blocks L.
    package var blocks: Int

    package init(width: Int, blocks: Int) {
        self.width = width
        self.blocks = blocks
    }

    /// The default block of representation terms, ⌊L/2⌋.
    package var middleBlock: Int { blocks / 2 }
}

/// A forget-side objective `gscope unlearn` can run (`objective.forget.name`).
package protocol ForgetObjectiveTerm: RegisteredTerm {
    /// The term for `parameters` on a model of `shape`; terms that draw random numbers (RMU's
    /// direction) draw them from `rng`.
    init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG)
}

/// A retain-side term (`objective.retain.name`), added as `retain_weight · term`.
package protocol RetainObjectiveTerm: RegisteredTerm {
    /// The term for `parameters` on a model of `shape`.
    init(_ parameters: Parameters, shape: ObjectiveModelShape)
}

extension ForgetObjectiveTerm {
    /// Builds the term from parameters of unknown type (the registry's entry point).
    package static func make(_ parameters: any ObjectiveParameters, shape: ObjectiveModelShape, rng: inout RNG)
        -> any ObjectiveTerm
    {
        guard let typed = parameters as? Parameters else {
            preconditionFailure("\(name) was given \(type(of: parameters)), not \(Parameters.self)")
        }
        return Self(typed, shape: shape, rng: &rng)
    }
}

extension RetainObjectiveTerm {
    /// Builds the term from parameters of unknown type (the registry's entry point).
    package static func make(_ parameters: any ObjectiveParameters, shape: ObjectiveModelShape) -> any ObjectiveTerm {
        guard let typed = parameters as? Parameters else {
            preconditionFailure("\(name) was given \(type(of: parameters)), not \(Parameters.self)")
        }
        return Self(typed, shape: shape)
    }
}
