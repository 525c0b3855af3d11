import Evaluation
import Foundation
import Testing

/// `KolmogorovSmirnov.twoSample` against `scipy.stats.ks_2samp` and `KolmogorovDistribution`
/// against `scipy.stats.kstwo.sf` (scipy 1.17), plus properties of the test.
@Suite("Evaluation: Kolmogorov–Smirnov")
struct KolmogorovSmirnovTests {
    @Test("ks_2samp parity: statistic, p-value and method, exact and asymptotic")
    func twoSampleParity() {
        for c in MetricsFixture.shared.ks {
            let (a, b) = c.samples
            let result = KolmogorovSmirnov.twoSample(a, b)
            #expect(
                relativeDifference(result.statistic, c.statistic) <= 1e-12, "\(c.name): D \(result.statistic) vs \(c.statistic)")
            #expect(
                relativeDifference(result.pValue, c.pvalue) <= parityTolerance, "\(c.name): p \(result.pValue) vs \(c.pvalue)")
            #expect(result.method.rawValue == c.method, "\(c.name)")
        }
    }

    @Test("kstwo.sf parity across every branch of _kolmogn")
    func kolmogorovSurvivalParity() {
        for c in MetricsFixture.shared.kstwo {
            let sf = KolmogorovDistribution.survival(c.x, n: c.n)
            #expect(relativeDifference(sf, c.sf) <= parityTolerance, "n \(c.n) x \(c.x): \(sf) vs \(c.sf)")
        }
    }

    @Test("identical samples: D = 0 and p = 1, exact and asymptotic")
    func identicalSamples() {
        for n in [1, 40, 400, 12_000] {
            let x = (0..<n).map { sin(Double($0)) }
            let result = KolmogorovSmirnov.twoSample(x, x.reversed())
            #expect(result.statistic == 0)
            #expect(result.pValue == 1)
        }
    }

    @Test("disjoint samples: D = 1 and, for n = m, p = 2/C(2n, n)")
    func disjointSamples() {
        let a = (0..<10).map(Double.init), b = (0..<10).map { Double($0) + 100 }
        let result = KolmogorovSmirnov.twoSample(a, b)
        #expect(result.statistic == 1)
        #expect(relativeDifference(result.pValue, 2.0 / 184_756) <= 1e-12)   // C(20, 10) = 184756
    }

    @Test("symmetric in the two samples; the p-value falls as one sample shifts away")
    func symmetryAndMonotonicity() {
        let a = (1...40).map { fmod(Double($0) * 0.618_033_988_749_894_9, 1) }
        var previous = 1.0 + 1e-12
        for shift in [0.0, 0.1, 0.2, 0.4, 0.8] {
            let b = (1...25).map { fmod(Double($0) * 0.414_213_562_373_095_1, 1) + shift }
            let ab = KolmogorovSmirnov.twoSample(a, b), ba = KolmogorovSmirnov.twoSample(b, a)
            #expect(ab == ba)
            #expect(ab.pValue <= previous)
            previous = ab.pValue
        }
    }

    @Test("kstwo: n = 1 is uniform on [1/2, 1] (sf = 2(1 − x)); smirnov(n, x) = (1 − x)ⁿ for x ≥ 1 − 1/n")
    func closedForms() {
        for x in [0.55, 0.7, 0.9] {
            #expect(relativeDifference(KolmogorovDistribution.survival(x, n: 1), 2 * (1 - x)) <= 1e-14)
        }
        #expect(relativeDifference(KolmogorovDistribution.smirnovSurvival(n: 10, d: 0.95), pow(0.05, 10)) <= 1e-12)
    }
}
