import Evaluation
import Foundation
import Testing
import TestSupport

/// Truth-ratio aggregates, forget quality, extraction strength, exact memorisation and the
/// harmonic mean against open-unlearning's formulas and scipy.stats.hmean.
@Suite("Evaluation: aggregates")
struct AggregateTests {
    @Test("truth ratio and its forget/retain aggregates parity")
    func truthRatioParity() {
        let c = MetricsFixture.shared.truth_ratio
        let ratios = zip(c.paraphrased_avg_loss, c.perturbed_avg_losses).map {
            TruthRatio.ratio(paraphrasedAverageLoss: $0, perturbedAverageLosses: $1)
        }
        #expect(relativeError(ratios, c.ratios) <= parityTolerance)
        #expect(relativeDifference(TruthRatio.closerToOneBetter(c.ratios), c.closer_to_1_better) <= parityTolerance)
        #expect(relativeDifference(TruthRatio.trueBetter(c.ratios), c.true_better) <= parityTolerance)
    }

    @Test("truth ratio properties: equal losses give R ≈ 1; min(R, 1/R) is symmetric in R ↔ 1/R")
    func truthRatioProperties() {
        let r = TruthRatio.ratio(paraphrasedAverageLoss: 1.5, perturbedAverageLosses: [1.0, 2.0])
        #expect(abs(r - 1) <= 1e-9)
        let a = TruthRatio.closerToOneBetter([0.25]), b = TruthRatio.closerToOneBetter([4])
        #expect(abs(a - b) <= 1e-9)
        #expect(TruthRatio.trueBetter([0.2, 1.5]) == 0.4)
    }

    @Test("forget quality is the KS p-value; a model matching the retain model scores 1")
    func forgetQuality() {
        let ratios = (1...40).map { exp(-Double($0) / 40) }
        #expect(ForgetQuality.pValue(modelTruthRatios: ratios, retainModelTruthRatios: ratios) == 1)
        let far = ratios.map { $0 + 10 }
        #expect(ForgetQuality.pValue(modelTruthRatios: ratios, retainModelTruthRatios: far) < 1e-20)
    }

    @Test("extraction strength and exact memorisation parity, including open-unlearning's loop quirk")
    func memorisationParity() {
        for c in MetricsFixture.shared.memorisation {
            #expect(Memorisation.extractionStrength(argmaxMatchesLabel: c.flags) == c.extraction_strength, "\(c.flags)")
            #expect(Memorisation.exactMemorisation(argmaxMatchesLabel: c.flags) == c.exact_memorization, "\(c.flags)")
        }
    }

    @Test("hmean parity; a zero gives 0, a negative value NaN")
    func harmonicMean() {
        for c in MetricsFixture.shared.hmean {
            #expect(relativeDifference(HarmonicMean.of(c.values), c.hmean) <= parityTolerance, "\(c.values)")
        }
        #expect(HarmonicMean.of([0.5, 0, 1]) == 0)
        #expect(HarmonicMean.of([0.5, -1]).isNaN)
        #expect(HarmonicMean.of([]).isNaN)
        #expect(relativeDifference(HarmonicMean.of([1, 4, 4]), 2) <= 1e-15)
    }
}
