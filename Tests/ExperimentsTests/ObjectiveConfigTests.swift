import Experiments
import Foundation
import Testing
import Unlearning

/// `objective.forget` and `objective.retain` are read through the registry: each objective's own
/// keys, defaults and ranges, located errors for the rest.
@Suite("Objective sections of a config")
struct ObjectiveConfigTests {
    typealias S = ConfigTestSupport

    /// For every registered parameter, a value outside its range is refused at its key and line.
    @Test func everyParameterIsCheckedAgainstItsRange() throws {
        for (side, entries) in [("forget", ObjectiveDescription.forget), ("retain", ObjectiveDescription.retain)] {
            for entry in entries {
                for parameter in entry.parameters {
                    let bad: String
                    switch parameter.allowed {
                    case "> 0": bad = "0"
                    case "≥ 0": bad = "-0.5"
                    case "any number": bad = ".inf"
                    default: bad = "-1"   // a block index
                    }
                    let yaml = "objective:\n  \(side):\n    name: \(entry.name)\n    \(parameter.key): \(bad)\n"
                    let e = try #require(S.loadError(yaml), "\(entry.name).\(parameter.key) = \(bad) is refused")
                    #expect(e.kind == .outOfRange && e.line == 4 && e.keyPath == "objective.\(side).\(parameter.key)", "\(e)")
                }
            }
        }
    }

    /// A key the named objective does not read is refused where it was written, naming the keys
    /// it does read.
    @Test func keysOfOtherObjectivesAreRefused() throws {
        let e = try #require(S.loadError("objective:\n  forget:\n    name: npo\n    c: 1\n"))
        #expect(e.kind == .conflict && e.line == 4 && e.keyPath == "objective.forget.c")
        #expect(e.message == "npo does not read c (it reads beta); leave it null")
        let retain = try #require(S.loadError("objective:\n  retain:\n    name: kl\n    layer: 1\n"))
        #expect(retain.message == "kl does not read layer (it takes no hyper-parameters); leave it null" && retain.line == 4)
        let none = try #require(S.loadError("", ["objective.retain.layer=2"]))
        #expect(none.message == "none does not read layer (it takes no hyper-parameters); leave it null")
        #expect(none.override == "objective.retain.layer=2")
    }

    /// open-unlearning's spellings: SimNPO `delta` gives γ = β·δ, WGA `beta` is α; an alias and
    /// the key it sets cannot both be given.
    @Test func openUnlearningSpellingsAreAccepted() throws {
        let c = try ExperimentConfig.load(yaml: "objective:\n  forget:\n    name: simnpo\n    beta: 4\n    delta: 0.5\n")
        #expect(c.objective.forget["gamma"] == 2 && c.objective.forget["beta"] == 4)
        #expect(c.resolvedYAML.contains("    beta: 4.0\n    gamma: 2.0\n  retain:"), "the resolved config writes γ")
        let wga = try ExperimentConfig.load(yaml: "", overrides: ["objective.forget.name=wga", "objective.forget.beta=5"])
        #expect(wga.objective.forget["alpha"] == 5)
        let both = try #require(S.loadError("objective:\n  forget:\n    name: simnpo\n    gamma: 1\n    delta: 0.5\n"))
        #expect(both.kind == .conflict && both.line == 5 && both.message == "delta sets gamma; give only one of them")
    }

    /// Parameters left out take the objective's defaults, and the resolved config writes them.
    @Test func leftOutParametersTakeTheObjectivesDefaults() throws {
        let c = try ExperimentConfig.load(yaml: "", overrides: ["objective.forget.name=wtnpo", "objective.retain.name=rr"])
        #expect(c.objective.forget["beta"] == WTNPO.Parameters().beta && c.objective.forget["alpha"] == WTNPO.Parameters().alpha)
        #expect(
            c.resolvedYAML.contains(
                "  forget:\n    name: wtnpo\n    beta: 4.0\n    alpha: 1.5\n  retain:\n    name: rr\n    layer: null\n"))
        #expect(try ExperimentConfig.load(yaml: c.resolvedYAML) == c)
    }
}
