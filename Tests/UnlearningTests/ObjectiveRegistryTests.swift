import Foundation
import NumericCore
import Testing
import Unlearning

/// Every registered objective declares itself completely and consistently: a unique name, a
/// one-line summary, parameters whose keys, defaults and coding agree, and a term built from
/// the default parameters that is the term's own default.
@Suite("The objective registry")
struct ObjectiveRegistryTests {
    static let shape = ObjectiveModelShape(width: 8, blocks: 4)

    @Test func namesAreUniqueAndTermsCarryThem() {
        let forget = ObjectiveRegistry.forgetNames, retain = ObjectiveRegistry.retainNames
        #expect(Set(forget).count == forget.count && Set(retain).count == retain.count)
        #expect(Set(forget).isDisjoint(with: retain), "a name means one thing")
        var rng = RNG(seed: 0)
        for term in ObjectiveRegistry.forget {
            let made = term.make(term.defaultParameters, shape: Self.shape, rng: &rng)
            #expect(made.name == term.name && made.roles.contains(.forget), "\(term.name)")
        }
        for term in ObjectiveRegistry.retain {
            let made = term.make(term.defaultParameters, shape: Self.shape)
            #expect(made.name == term.name && made.roles == [.retain], "\(term.name)")
        }
    }

    @Test func everyEntryDescribesItselfInOneLine() {
        for entry in ObjectiveDescription.forget + ObjectiveDescription.retain {
            let lines = [entry.summary] + entry.parameters.map(\.summary) + entry.aliases.map(\.summary)
            for line in lines {
                #expect(!line.isEmpty && !line.contains("\n"), "\(entry.name): '\(line)'")
            }
            let keys = entry.parameters.map(\.key) + entry.aliases.map(\.key)
            #expect(Set(keys).count == keys.count, "\(entry.name): a key twice")
            for alias in entry.aliases {
                #expect(entry.parameters.contains { $0.key == alias.sets }, "\(entry.name): \(alias.key) sets an unknown key")
            }
        }
    }

    /// Encoding the defaults writes exactly the declared fields; decoding nothing gives the
    /// defaults back; a round trip through JSON keeps every value.
    @Test func parametersCodeThroughTheirFields() throws {
        for term in ObjectiveRegistry.forget as [any RegisteredTerm.Type] + ObjectiveRegistry.retain {
            try Self.checkCoding(term)
        }
    }

    static func checkCoding<Term: RegisteredTerm>(_: Term.Type) throws {
        let defaults = Term.Parameters()
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(defaults)) as? [String: Any] ?? [:]
        let blocks = Term.Parameters.fields.filter { $0.allowed.hasPrefix("a block") }.map(\.key)
        #expect(Set(json.keys).union(blocks) == Set(Term.Parameters.fields.map(\.key)), "\(Term.name) encodes its fields")
        #expect(try JSONDecoder().decode(Term.Parameters.self, from: Data("{}".utf8)) == defaults, "\(Term.name)")
        var changed = defaults
        for field in Term.Parameters.fields {
            if case let .number(path, _) = field.storage { changed[keyPath: path] += 0.25 }
            if case let .block(path) = field.storage { changed[keyPath: path] = 3 }
        }
        let back = try JSONDecoder().decode(Term.Parameters.self, from: try JSONEncoder().encode(changed))
        #expect(back == changed, "\(Term.name) round-trips")
        if !Term.Parameters.fields.isEmpty { #expect(back != defaults, "\(Term.name): the change is seen") }
    }

    /// A key two objectives share is the same kind of value in both (a block index, or a
    /// number), so one config schema holds them all.
    @Test func sharedKeysAgreeOnTheirKind() {
        var kinds: [String: String] = [:]
        for entry in ObjectiveDescription.forget + ObjectiveDescription.retain {
            for parameter in entry.parameters {
                let kind = parameter.allowed.hasPrefix("a block") ? "block" : "number"
                #expect(kinds[parameter.key, default: kind] == kind, "\(entry.name).\(parameter.key)")
                kinds[parameter.key] = kind
            }
        }
    }

    /// The defaults live in one place: a term's own default initialiser agrees with its
    /// registered parameters.
    @Test func termDefaultsAreTheParameterDefaults() {
        #expect(NPO().beta == NPO.Parameters().beta && NPO().beta == 0.1)
        #expect(SimNPO().beta == 2.5 && SimNPO().gamma == 0 && SimNPO.Parameters().beta == 2.5)
        #expect(WeightedGradientAscent().alpha == WeightedGradientAscent.Parameters().alpha)
        #expect(TNPO().beta == TNPO.Parameters().beta && WTNPO().alpha == WTNPO.Parameters().alpha)
        #expect(SatImp().beta1 == SatImp.Parameters().beta1 && SatImp().beta2 == SatImp.Parameters().beta2)
        #expect(IdkDPO().beta == IdkDPO.Parameters().beta && UNDIAL().beta == UNDIAL.Parameters().beta)
        var rng = RNG(seed: 1)
        let rmu = RMU(RMU.Parameters(), shape: Self.shape, rng: &rng)
        #expect(rmu.layer == 2 && rmu.c == 2 && rmu.u.count == 8, "RMU: the middle block, c = 2, u of the width")
        #expect(RepresentationRetention(.init(), shape: Self.shape).layer == 2)
    }

    /// open-unlearning's names: SimNPO's δ enters as γ = β·δ; WGA's β is our α.
    @Test func openUnlearningNamesMapOntoOurs() throws {
        let simnpo = try JSONDecoder().decode(SimNPO.Parameters.self, from: Data(#"{"beta": 2, "delta": 0.75}"#.utf8))
        #expect(simnpo.beta == 2 && simnpo.gamma == 1.5)
        let wga = try JSONDecoder().decode(WeightedGradientAscent.Parameters.self, from: Data(#"{"beta": 5}"#.utf8))
        #expect(wga.alpha == 5)
    }

    @Test func rulesNameTheProblem() {
        #expect(ParameterRule.positive.problem(0) == "must be > 0, got 0.0")
        #expect(ParameterRule.nonNegative.problem(-1) == "must be ≥ 0, got -1.0")
        #expect(ParameterRule.finite.problem(.infinity) == "must be a finite number, got inf")
        #expect(ParameterRule.finite.problem(-3) == nil && ParameterRule.positive.problem(1e-9) == nil)
        var p = RMU.Parameters()
        p.layer = -1
        #expect(p.problems().map(\.key) == ["layer"])
    }
}
