import Figures
import Foundation
import Testing

/// The seed bands: Student's t quantiles against scipy and the closed forms, and the band of a
/// sample computed by hand.
@Suite("Seed statistics")
struct SeedStatisticsTests {
    /// `scipy.stats.t.ppf(0.975, ν)` (scipy 1.17): the textbook 12.706, 4.303, 3.182, 2.776, …
    static let scipyQuantiles: [(nu: Double, t: Double)] = [
        (1, 12.706204736174694), (2, 4.302652729749462), (3, 3.1824463052837078), (4, 2.7764451051977934),
        (5, 2.5705818356363146), (9, 2.262157162798205), (30, 2.0422724563012378), (100, 1.9839715185235518),
    ]

    @Test func quantilesMatchScipy() {
        var worst = 0.0
        for (nu, expected) in Self.scipyQuantiles {
            let t = SeedStatistics.studentTQuantile(0.975, degreesOfFreedom: nu)
            worst = max(worst, abs(t - expected) / expected)
            #expect(abs(t - expected) <= 1e-9 * expected, "t(0.975, \(nu)) = \(t), scipy \(expected)")
        }
        print("t quantiles: largest relative difference from scipy \(worst)")
        // Other probabilities: scipy.stats.t.ppf(0.995, 7), t.ppf(0.6, 3), and the symmetry.
        #expect(abs(SeedStatistics.studentTQuantile(0.995, degreesOfFreedom: 7) - 3.4994832973504924) <= 1e-9)
        #expect(abs(SeedStatistics.studentTQuantile(0.6, degreesOfFreedom: 3) - 0.2766706623326898) <= 1e-9)
        #expect(
            SeedStatistics.studentTQuantile(0.025, degreesOfFreedom: 4) == -SeedStatistics.studentTQuantile(
                0.975, degreesOfFreedom: 4))
        #expect(SeedStatistics.studentTQuantile(0.5, degreesOfFreedom: 4) == 0)
    }

    /// ν = 1 is the Cauchy distribution, t = tan(π(p − ½)); ν = 2 has t = (2p − 1)/√(2p(1 − p)).
    @Test(arguments: [0.55, 0.9, 0.975, 0.999])
    func quantilesMatchTheClosedForms(p: Double) {
        let cauchy = tan(Double.pi * (p - 0.5))
        let two = (2 * p - 1) / (2 * p * (1 - p)).squareRoot()
        #expect(abs(SeedStatistics.studentTQuantile(p, degreesOfFreedom: 1) - cauchy) <= 1e-10 * cauchy)
        #expect(abs(SeedStatistics.studentTQuantile(p, degreesOfFreedom: 2) - two) <= 1e-10 * two)
    }

    /// I_x(a, b) at points with closed forms: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(1, b) = 1 − (1 − x)^b,
    /// I_x(½, ½) = (2/π) asin √x.
    @Test func theIncompleteBetaMatchesClosedForms() {
        for x in [0.01, 0.3, 0.5, 0.77, 0.99] {
            #expect(abs(SeedStatistics.regularizedIncompleteBeta(x, a: 1, b: 1) - x) <= 1e-14)
            #expect(abs(SeedStatistics.regularizedIncompleteBeta(x, a: 3.5, b: 1) - pow(x, 3.5)) <= 1e-14)
            #expect(abs(SeedStatistics.regularizedIncompleteBeta(x, a: 1, b: 2.5) - (1 - pow(1 - x, 2.5))) <= 1e-14)
            #expect(
                abs(SeedStatistics.regularizedIncompleteBeta(x, a: 0.5, b: 0.5) - 2 / Double.pi * asin(x.squareRoot())) <= 1e-13)
        }
    }

    /// 1, 2, 3, 6 and a NaN: n = 4, mean 3, s² = (4 + 1 + 0 + 9)/3 = 14/3, band ±t(0.975, 3)·√(14/3)/2.
    @Test func theBandIsMeanPlusMinusTTimesTheStandardError() {
        let band = SeedBand([1, 2, .nan, 3, 6, .infinity])
        let half = 3.1824463052837078 * (14.0 / 3).squareRoot() / 2
        #expect(band.count == 4 && band.mean == 3)
        #expect(abs(band.lower - (3 - half)) <= 1e-12 && abs(band.upper - (3 + half)) <= 1e-12)
        let one = SeedBand([.nan, 0.25])
        #expect(one.count == 1 && one.mean == 0.25 && one.lower.isNaN && one.upper.isNaN)
        let none = SeedBand([Double.nan])
        #expect(none.count == 0 && none.mean.isNaN && none.lower.isNaN)
        let same = SeedBand([2, 2, 2])
        #expect(same.lower == 2 && same.upper == 2)
    }
}
