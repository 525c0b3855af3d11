import Foundation

/// The two-sample two-sided Kolmogorov–Smirnov test exactly as `scipy.stats.ks_2samp(a, b)` with
/// its default arguments (alternative='two-sided', method='auto'; scipy 1.17). TOFU's forget
/// quality is its p-value between the per-item truth ratios of the evaluated model and of the
/// retain model.
///
/// Statistic: D = max over the pooled sample z of |F₁(z) − F₂(z)|, the empirical CDFs counting
/// values ≤ z (scipy's `searchsorted(side='right')`), i.e. max(max(F₁ − F₂), max(F₂ − F₁)).
///
/// p-value, with g = gcd(n₁, n₂) and L = lcm(n₁, n₂):
/// - exact when max(n₁, n₂) ≤ 10 000: h = round(D·L) (half to even) and D := h/L;
///   h = 0 gives p = 1; n₁ = n₂ = n gives P(D ≥ h/n) =
///   2 Σ_{k≥1} (−1)^{k−1} C(2n, n−kh)/C(2n, n), evaluated by Horner as
///   2 A₀(1 − A₁(1 − A₂(…))) with Aₖ = Π_{j<h} (n − kh − j)/(n + kh + j + 1)
///   (`_compute_prob_outside_square`); otherwise the proportion of lattice paths from (0, 0) to
///   (n₁, n₂) that leave the band |x/n₁ − y/n₂| < h/L, by Hodges' inside method with Viehmann's
///   recursion for 1 − p (`_compute_outer_prob_inside_method`);
/// - asymptotic otherwise, or when the exact value is not a probability (it failed):
///   p = kstwo.sf(D, round(n₁n₂/(n₁ + n₂))) (`KolmogorovDistribution.survival`).
/// The p-value is clipped to [0, 1].
package enum KolmogorovSmirnov {
    /// Which p-value the test used.
    package enum Method: String, Sendable {
        case exact, asymptotic
    }

    /// The statistic D, the p-value, and the method that produced the p-value.
    package struct Result: Sendable, Equatable {
        package let statistic: Double
        package let pValue: Double
        package let method: Method
    }

    /// scipy's `MAX_AUTO_N`: 'auto' tries the exact p-value when both sizes are at most this.
    package static let maxExactSize = 10_000

    /// `scipy.stats.ks_2samp(a, b)`. Both samples must be non-empty and free of NaN.
    package static func twoSample(_ a: [Double], _ b: [Double]) -> Result {
        precondition(!a.isEmpty && !b.isEmpty, "ks_2samp needs two non-empty samples")
        precondition(!a.contains(where: \.isNaN) && !b.contains(where: \.isNaN), "ks_2samp: NaN in a sample")
        let n1 = a.count, n2 = b.count
        var d = statistic(a.sorted(), b.sorted())
        if max(n1, n2) <= maxExactSize {
            let g = gcd(n1, n2)
            let lcm = (n1 / g) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h == 0 { return Result(statistic: d, pValue: 1, method: .exact) }
            let p =
                n1 == n2
                ? probabilityOutsideSquare(n: n1, h: h)
                : outerProbabilityInsideMethod(n1, n2, g: g, h: h)
            if p >= 0 && p <= 1 { return Result(statistic: d, pValue: p, method: .exact) }
        }
        let m = Double(max(n1, n2)), n = Double(min(n1, n2))
        let effectiveSize = Int((m * n / (m + n)).rounded(.toNearestOrEven))
        let p = KolmogorovDistribution.survival(d, n: effectiveSize)
        return Result(statistic: d, pValue: KolmogorovDistribution.clip(p), method: .asymptotic)
    }

    /// D = max(max(F₁ − F₂), max(0, max(F₂ − F₁))) over the pooled values, with each difference
    /// formed as count₁/n₁ − count₂/n₂ in Double, as scipy forms it.
    static func statistic(_ sorted1: [Double], _ sorted2: [Double]) -> Double {
        let n1 = Double(sorted1.count), n2 = Double(sorted2.count)
        var largest = -Double.infinity, smallest = Double.infinity
        for z in sorted1 + sorted2 {
            let difference = Double(SortedCounts.atMost(sorted1, z)) / n1 - Double(SortedCounts.atMost(sorted2, z)) / n2
            largest = max(largest, difference)
            smallest = min(smallest, difference)
        }
        let minS = KolmogorovDistribution.clip(-smallest)
        return minS > largest ? minS : largest
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// P(D_{n,n} ≥ h/n) = 2 A₀(1 − A₁(1 − A₂(1 − …))) with Aₖ = Π_{j<h} (n − kh − j)/(n + kh + j + 1),
    /// evaluated from k = ⌊n/h⌋ down to 0 (scipy's `_compute_prob_outside_square`).
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = Int((Double(n) / Double(h)).rounded(.down))
        while k >= 0 {
            var term = 1.0
            for j in 0..<h {
                term = Double(n - k * h - j) * term / Double(n + k * h + j + 1)
            }
            p = term * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// 1 − (paths from (0, 0) to (m, n) strictly inside |nx/g − my/g| < h)/C(m + n, n), computed
    /// column by column as a normalised proportion on a sliding window (scipy's pythran
    /// `_compute_outer_prob_inside_method`, Hodges 1958; Viehmann 2021).
    static func outerProbabilityInsideMethod(_ m0: Int, _ n0: Int, g: Int, h: Int) -> Double {
        let m = max(m0, n0), n = min(m0, n0)
        let mg = m / g, ng = n / g
        var minj = 0
        var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var currentLength = maxj - minj
        let lengthA = min(2 * maxj + 2, n + 1)
        var A = [Double](repeating: 1, count: lengthA)
        for j in minj..<maxj { A[j] = 0 }
        for i in 1...m {
            let lastMinj = minj, lastLength = currentLength
            minj = max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
            minj = min(minj, n)
            maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
            if maxj <= minj { return 1.0 }
            var value = minj == 0 ? 0.0 : 1.0
            for jj in 0..<(maxj - minj) {
                let j = jj + minj
                value = (A[jj + minj - lastMinj] * Double(i) + value * Double(j)) / Double(i + j)
                A[jj] = value
            }
            currentLength = maxj - minj
            if lastLength > currentLength {
                for index in (maxj - minj)..<min(maxj - minj + (lastLength - currentLength), lengthA) { A[index] = 1 }
            }
        }
        return A[maxj - minj - 1]
    }
}
