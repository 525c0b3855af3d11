import Datasets
import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// The G-effect paper's way of measuring (`GEffectMode.paper`): micro-batches and smoothed
/// gradients, checked against exact measurements of the same pieces.
@Suite("G-effects, the paper's mode")
struct PaperModeTests {
    typealias Setup = GEffectTests

    /// One micro-batch that holds the whole forget set, and draws that take every sample, is the
    /// exact measurement.
    @Test func oneWholeMicroBatchIsTheExactMeasurement() throws {
        let objective = UnlearningObjective(forget: NPO(beta: 0.5), retain: RetainKL())
        let exact = try Setup.instrumenter(objective).measure(step: 0)
        let paper = try Setup.instrumenter(objective, mode: .paper(PaperProtocol(microBatch: 16, seed: 5))).measure(step: 0)
        for (p, e) in zip(paper.risks, exact.risks) {
            #expect(abs(p.value - e.value) <= 1e-6 * e.value)
            #expect(relativeError(p.tensor, e.tensor) < 1e-5, "\(p.name): \(relativeError(p.tensor, e.tensor))")
            #expect(abs(p.tiedInput! - e.tiedInput!) <= 1e-5 * abs(e.tiedInput!))
            #expect(relativeError(p.units.head, e.units.head) < 1e-5 && relativeError(p.units.mlpGroup, e.units.mlpGroup) < 1e-5)
            #expect(p.instance.isEmpty && p.token.isEmpty && p.pgEffect.isEmpty)
        }
        #expect(abs(paper.loss - exact.loss) <= 1e-6 * abs(exact.loss))
        #expect(
            paper.instanceWeights.count == 7
                && zip(paper.instanceWeights, exact.instanceWeights).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(zip(paper.instanceNLL, exact.instanceNLL).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// Two micro-batches of GA: the smoothed objective gradient is minus the smoothed risk
    /// gradient, so e_u = −‖ḡ‖², and ‖ḡ‖² = ‖0.6·g₁ + 0.4·g₂‖² expands into exact measurements of
    /// the two halves alone: 0.36‖g₁‖² + 0.16‖g₂‖² + 0.48⟨g₁, g₂⟩.
    @Test func theGradientsAreSmoothedAcrossMicroBatches() throws {
        let ga = UnlearningObjective(forget: GradientAscent())
        let data = Setup.data, first = Array(data.forget[0..<4]), second = Array(data.forget[4...])
        let paper = try Setup.instrumenter(ga, mode: .paper(PaperProtocol(microBatch: 4, keep: 0.6, seed: 5))).measure(step: 0)
        let forget = paper.risks[0]
        #expect(abs(forget.total + forget.gradNorm2) <= 1e-6 * forget.gradNorm2)

        func half(_ samples: [FormattedSample], other: [FormattedSample]) throws -> (norm2: Double, cross: Double, value: Double)
        {
            let d = UnlearningData(forget: samples, retain: data.retain, padding: data.padding)
            let m = try Setup.instrumenter(
                ga, data: d,
                riskSets: [
                    RiskSet(name: "self", samples: samples),
                    RiskSet(name: "other", samples: other),
                ]
            ).measure(step: 0)
            return (m.risks[0].gradNorm2, -m.risks[1].total, m.risks[0].value)   // GA: ∇L = −g
        }
        let a = try half(first, other: second), b = try half(second, other: first)
        #expect(abs(a.cross - b.cross) <= 1e-5 * abs(a.cross))
        let expected = 0.36 * a.norm2 + 0.16 * b.norm2 + 0.48 * a.cross
        #expect(abs(forget.gradNorm2 - expected) <= 1e-5 * expected, "\(forget.gradNorm2) vs \(expected)")
        #expect(abs(forget.value - (a.value + b.value) / 2) <= 1e-6 * forget.value)   // the mean over micro-batches
    }

    /// The random draws depend on the seed and the step only.
    @Test func drawsAreSeeded() throws {
        let objective = UnlearningObjective(forget: NPO(beta: 0.5), retain: RetainNLL())
        func retainEffect(seed: UInt64) throws -> Double {
            try Setup.instrumenter(objective, mode: .paper(PaperProtocol(microBatch: 2, seed: seed))).measure(step: 0).risks[1]
                .total
        }
        let a = try retainEffect(seed: 5), b = try retainEffect(seed: 5), c = try retainEffect(seed: 6)
        #expect(a == b)
        #expect(a != c)
    }
}
