import NumericCore

/// Every objective `gscope unlearn` can run: the one list configs, validation, `--help`, the
/// generated configs and the README's table read. To add an objective, write its file under
/// `Objectives/Forget` or `Objectives/Retain` (a term conforming to `ForgetObjectiveTerm` or
/// `RetainObjectiveTerm`) and add it here.
package enum ObjectiveRegistry {
    /// The forget objectives, in the order lists show them.
    package static var forget: [any ForgetObjectiveTerm.Type] {
        [
            GradientAscent.self, WeightedGradientAscent.self, NPO.self, SimNPO.self, TNPO.self, WTNPO.self,
            SatImp.self, RefusalTuning.self, IdkDPO.self, RMU.self, UNDIAL.self,
        ]
    }

    /// The retain terms, in the order lists show them; `none` (no retain term) comes first.
    package static var retain: [any RetainObjectiveTerm.Type] {
        [RetainNLL.self, RetainKL.self, RepresentationRetention.self]
    }

    /// The retain name that means "no retain term".
    package static let noRetainTerm = "none"

    /// The forget objective called `name`.
    package static func forget(named name: String) -> (any ForgetObjectiveTerm.Type)? {
        forget.first { $0.name == name }
    }

    /// The retain term called `name` (nil for `none` and unknown names).
    package static func retain(named name: String) -> (any RetainObjectiveTerm.Type)? {
        retain.first { $0.name == name }
    }

    /// Every key some forget objective reads (fields and aliases), in registry order, each once.
    package static var forgetParameterKeys: [String] { uniqued(forget.flatMap { $0.parameterKeys }) }

    /// Every key some retain term reads, in registry order, each once.
    package static var retainParameterKeys: [String] { uniqued(retain.flatMap { $0.parameterKeys }) }

    private static func uniqued(_ keys: [String]) -> [String] {
        var seen = Set<String>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// The accepted forget names.
    package static var forgetNames: [String] { forget.map { $0.name } }

    /// The accepted retain names, `none` first.
    package static var retainNames: [String] { [noRetainTerm] + retain.map { $0.name } }
}

/// One registry entry seen without its types: name, description and hyper-parameters, for help
/// texts, tables and generated configs.
package struct ObjectiveDescription: Sendable, Equatable {
    package struct Parameter: Sendable, Equatable {
        package var key: String
        package var summary: String
        /// The default as a config writes it ("0.1", "null").
        package var defaultText: String
        /// The allowed values in words.
        package var allowed: String
    }

    package struct Alias: Sendable, Equatable {
        package var key: String
        package var sets: String
        package var summary: String
    }

    package var name: String
    package var summary: String
    package var parameters: [Parameter]
    package var aliases: [Alias]

    /// Whether the term reads the frozen reference model θ_o.
    package var readsReference: Bool

    /// A forget objective's entry.
    package init<Term: ForgetObjectiveTerm>(_ term: Term.Type) {
        var rng = RNG(seed: 0)
        self.init(term, made: Term(Term.Parameters(), shape: Self.probeShape, rng: &rng))
    }

    /// A retain term's entry.
    package init<Term: RetainObjectiveTerm>(_ term: Term.Type) {
        self.init(term, made: Term(Term.Parameters(), shape: Self.probeShape))
    }

    /// A small model shape to build a term on when only its description is wanted.
    private static let probeShape = ObjectiveModelShape(width: 4, blocks: 2)

    private init<Term: RegisteredTerm>(_ term: Term.Type, made: Term) {
        let defaults = Term.Parameters()
        name = Term.name
        summary = Term.summary
        parameters = Term.Parameters.fields.map {
            Parameter(key: $0.key, summary: $0.summary, defaultText: $0.text(in: defaults), allowed: $0.allowed)
        }
        aliases = Term.Parameters.aliases.map { Alias(key: $0.key, sets: $0.sets, summary: $0.summary) }
        readsReference = made.needsReference
    }

    /// The entries of every forget objective, in registry order.
    package static var forget: [ObjectiveDescription] { ObjectiveRegistry.forget.map { Self($0) } }

    /// The entries of every retain term, `none` first.
    package static var retain: [ObjectiveDescription] {
        [ObjectiveDescription(name: ObjectiveRegistry.noRetainTerm, summary: "No retain term.", parameters: [], aliases: [])]
            + ObjectiveRegistry.retain.map { Self($0) }
    }

    init(name: String, summary: String, parameters: [Parameter], aliases: [Alias]) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.aliases = aliases
        readsReference = false
    }

    /// "beta=0.1, gamma=0.0", or "—" when there are none.
    package var defaultsText: String {
        parameters.isEmpty ? "—" : parameters.map { "\($0.key)=\($0.defaultText)" }.joined(separator: ", ")
    }
}
