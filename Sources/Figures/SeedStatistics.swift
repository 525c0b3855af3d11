import Foundation

/// The mean of a setting's seeds and its 95 % confidence band.
///
/// Over the n finite values x₁ … xₙ (NaN and ±∞ — a missing run, a diverged step — are left out):
/// mean x̄ = Σ xᵢ / n, sample standard deviation s = √(Σ (xᵢ − x̄)² / (n − 1)), and the band
/// x̄ ± t_{0.975, n−1} · s / √n, Student's t interval for the mean. With one value there is no band
/// (its bounds are NaN); with none the mean is NaN too.
package struct SeedBand: Sendable, Equatable {
    /// How many finite values the statistics are over.
    package let count: Int
    /// Their mean x̄ (NaN when there are none).
    package let mean: Double
    /// x̄ − t·s/√n (NaN when count < 2).
    package let lower: Double
    /// x̄ + t·s/√n (NaN when count < 2).
    package let upper: Double

    /// The statistics of the finite values in `values`.
    package init(_ values: some Sequence<Double>) {
        let finite = values.filter(\.isFinite)
        count = finite.count
        guard !finite.isEmpty else {
            (mean, lower, upper) = (.nan, .nan, .nan)
            return
        }
        let n = Double(finite.count)
        let mean = finite.reduce(0, +) / n
        self.mean = mean
        guard finite.count >= 2 else {
            (lower, upper) = (.nan, .nan)
            return
        }
        let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let halfWidth = SeedStatistics.studentTQuantile(0.975, degreesOfFreedom: n - 1) * variance.squareRoot() / n.squareRoot()
        lower = mean - halfWidth
        upper = mean + halfWidth
    }

    /// The three numbers a figure's table holds: mean, lower, upper.
    package var columns: [Double] { [mean, lower, upper] }
}

/// Student's t distribution, for the seed bands (``SeedBand``).
package enum SeedStatistics {
    /// The p-quantile t_{p,ν} of Student's t distribution with ν > 0 degrees of freedom: the t with
    /// F_ν(t) = p, found by bisection on the distribution function
    /// F_ν(t) = 1 − ½ · I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (and t_{p,ν} = −t_{1−p,ν} below the median).
    /// t_{0.975,1} = 12.7062, t_{0.975,4} = 2.7764, t_{0.975,30} = 2.0423.
    package static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1 && nu > 0, "t quantile needs 0 < p < 1 and ν > 0, got p = \(p), ν = \(nu)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: nu) }
        var low = 0.0, high = 1.0
        while studentTDistribution(high, degreesOfFreedom: nu) < p { (low, high) = (high, high * 2) }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            guard middle > low, middle < high else { break }
            if studentTDistribution(middle, degreesOfFreedom: nu) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// Student's t distribution function F_ν(t) = P(T ≤ t):
    /// 1 − ½ · I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, ½ · I_{ν/(ν+t²)}(ν/2, ½) below.
    package static func studentTDistribution(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let tail = 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The regularised incomplete beta function
    /// I_x(a, b) = x^a (1 − x)^b / (a · B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …))), by the continued
    /// fraction d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)),
    /// d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m)) evaluated with the modified Lentz method; for
    /// x > (a + 1)/(a + b + 2), where it converges slowly, through I_x(a, b) = 1 − I_{1−x}(b, a).
    package static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var fraction = d
        for m in 1...500 {
            let m = Double(m)
            for numerator in [
                m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
            ] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                fraction *= c * d
            }
            if abs(c * d - 1) < 1e-16 { break }
        }
        return exp(logFront) * fraction / a
    }
}
