import NumericCore

/// What every objective in the registry declares besides its loss: its config name, a one-line
/// description and its hyper-parameter type (with defaults and allowed ranges).
public protocol RegisteredTerm: ObjectiveTerm {
    associatedtype Parameters: ObjectiveParameters
    /// The name in configs, run files and on the command line ("npo").
    static var name: String { get }
    /// One line for `--help`, the README's table and generated configs.
    static var summary: String { get }
}

extension RegisteredTerm {
    public var name: String { Self.name }

    /// Every key a config may set for this term: its parameters' fields, then their aliases.
    public static var parameterKeys: [String] { Parameters.keys }

    /// The aliases: (the accepted key, the field it sets).
    public static var parameterAliases: [(key: String, sets: String)] { Parameters.aliases.map { ($0.key, $0.sets) } }

    /// The default parameters, as an existential (for code that holds the term as `any … .Type`).
    public static var defaultParameters: any ObjectiveParameters { Parameters() }

    /// Decodes this term's parameters (keys left out keep their defaults).
    public static func decodeParameters(from decoder: any Decoder) throws -> any ObjectiveParameters {
        try Parameters(from: decoder)
    }
}

/// The shape of the model an objective is built for: some terms read a block's residual stream
/// and default to the middle block, RMU draws a direction of the model's width.
public struct ObjectiveModelShape: Sendable, Equatable {
    /// The residual stream's width C.
    public var width: Int
    /// The number of transformer blocks L.
    public var blocks: Int

    public init(width: Int, blocks: Int) {
        self.width = width
        self.blocks = blocks
    }

    /// The default block of representation terms, ⌊L/2⌋.
    public var middleBlock: Int { blocks / 2 }
}

/// A forget-side objective `gscope unlearn` can run (`objective.forget.name`).
public protocol ForgetObjectiveTerm: RegisteredTerm {
    /// The term for `parameters` on a model of `shape`; terms that draw random numbers (RMU's
    /// direction) draw them from `rng`.
    init(_ parameters: Parameters, shape: ObjectiveModelShape, rng: inout RNG)
}

/// A retain-side term (`objective.retain.name`), added as `retain_weight · term`.
public protocol RetainObjectiveTerm: RegisteredTerm {
    /// The term for `parameters` on a model of `shape`.
    init(_ parameters: Parameters, shape: ObjectiveModelShape)
}

extension ForgetObjectiveTerm {
    /// Builds the term from parameters of unknown type (the registry's entry point).
    public static func make(_ parameters: any ObjectiveParameters, shape: ObjectiveModelShape, rng: inout RNG) -> any ObjectiveTerm {
        guard let typed = parameters as? Parameters else {
            preconditionFailure("\(name) was given \(type(of: parameters)), not \(Parameters.self)")
        }
        return Self(typed, shape: shape, rng: &rng)
    }
}

extension RetainObjectiveTerm {
    /// Builds the term from parameters of unknown type (the registry's entry point).
    public static func make(_ parameters: any ObjectiveParameters, shape: ObjectiveModelShape) -> any ObjectiveTerm {
        guard let typed = parameters as? Parameters else {
            preconditionFailure("\(name) was given \(type(of: parameters)), not \(Parameters.self)")
        }
        return Self(typed, shape: shape)
    }
}
