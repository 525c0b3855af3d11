import Foundation

/// The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic
/// Dₙ = supₓ |Fₙ(x) − F(x)| (scipy's `kstwo`), which `scipy.stats.ks_2samp` uses for its asymptotic
/// p-value. A port of scipy 1.17's `scipy/stats/_ksstats.py` (`_kolmogn` and the algorithms it
/// selects after Simard & L'Ecuyer 2011) and of the lower-sum branch of the cephes/xsf `smirnov`.
package enum KolmogorovDistribution {
    /// `scipy.stats.kstwo.sf(d, n)` = P(Dₙ ≥ d). The support is [1/(2n), 1]: 1 below it, 0 above.
    package static func survival(_ d: Double, n: Int) -> Double {
        precondition(n >= 1, "kstwo needs n ≥ 1")
        if d.isNaN { return .nan }
        if d <= 0.5 / Double(n) { return 1 }
        if d >= 1 { return 0 }
        return kolmogorovSurvival(n: n, x: d)
    }

    /// `scipy.special.smirnov(n, d)`: the one-sided one-sample statistic's survival function
    /// P(Dₙ⁺ ≥ d) = d · Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (d + j/n)^{j−1} (1 − d − j/n)^{n−j}
    /// (Birnbaum–Tingey), summed here in log space with the cephes special cases.
    package static func smirnovSurvival(n: Int, d x: Double) -> Double {
        precondition(n >= 1, "smirnov needs n ≥ 1")
        if x.isNaN || x < 0 || x > 1 { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let nD = Double(n)
        // n·x = nx + nxError exactly; its floor and fractional part α.
        let nx = nD * x, nxError = fma(nD, x, -nx)
        var nxFloor = nx.rounded(.down)
        var alpha = (nx - nxFloor) + nxError
        if alpha < 0 { nxFloor -= 1; alpha += 1 }
        if alpha >= 1 { nxFloor += 1; alpha -= 1 }
        let nxfl = Int(nxFloor)
        if nxfl == 0 || (nxfl == 1 && alpha == 0) {
            // x ≤ 1/n: P(Dₙ⁺ < x) = x (1 + x)^{n−1}.
            return clip(1 - x * pow(1 + x, nD - 1))
        }
        if -2 * nD * x * x < cephesMinLog { return 0 }
        if nxfl >= n - 1 { return clip(pow(1 - x, nD)) }
        if n > 1_000_000 {
            // cephes' approximation for very large n: p ≈ exp(−(6nx + 1)² / 18n).
            let logp = -pow(6 * nD * x + 1, 2) / 18 / nD
            return clip(logp < -M_LN2 ? exp(logp) : 1 - -expm1(logp))
        }
        // The last index j with 1 − x − j/n > 0: n − ⌊nx⌋ − 1 (cephes' n1mxfl, for α = 0 too).
        let lastTerm = n - nxfl - 1
        let logBinomialN: Double = lgamma(nD + 1)
        var logTerms = [Double]()
        logTerms.reserveCapacity(lastTerm + 1)
        for j in 0...lastTerm {
            let jD = Double(j)
            let lower = ((jD + nx) + nxError) / nD   // x + j/n
            let upper = ((Double(n - j) - nx) - nxError) / nD   // 1 − x − j/n
            let logBinomial: Double = logBinomialN - lgamma(jD + 1) - lgamma(Double(n - j) + 1)
            logTerms.append(logBinomial + (jD - 1) * log(lower) + Double(n - j) * log(upper))
        }
        let largest = logTerms.max()!
        let scaledSum = logTerms.reduce(0.0) { $0 + exp($1 - largest) }
        return clip(x * exp(largest) * scaledSum)
    }

    // MARK: - scipy's _kolmogn (survival branch)

    /// cephes' MINLOG = log(2⁻¹⁰⁷⁵): exp underflows to 0 below it.
    static let cephesMinLog = -7.451332191019412076235e2
    static let e128 = 0x1p128, em128 = 0x1p-128

    /// `_kolmogn(n, x, cdf=False)`.
    static func kolmogorovSurvival(n: Int, x: Double) -> Double {
        let nD = Double(n)
        let t = nD * x
        if t <= 1 {   // Ruben–Gambino: 1/(2n) ≤ x ≤ 1/n, P(Dₙ ≤ x) = n!/nⁿ (2t − 1)ⁿ
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                cdf = (1...n).reduce(1.0) { $0 * (Double($1) * (1.0 / nD) * (2 * t - 1)) }
            } else {
                cdf = exp(logFactorialOverPower(n) + nD * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nD - 1 { return clip(2 * pow(1 - x, nD)) }   // Ruben–Gambino
        if x >= 0.5 { return clip(2 * smirnovSurvival(n: n, d: x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - durbinMatrixCDF(n: n, d: x)) }
            if nxSquared <= 4 { return clip(1 - pomeranzCDF(n: n, x: x)) }
            return clip(2 * smirnovSurvival(n: n, d: x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * smirnovSurvival(n: n, d: x)) }
        let cdf =
            n <= 100_000 && nD * pow(x, 1.5) <= 1.4
            ? durbinMatrixCDF(n: n, d: x) : pelzGoodCDF(n: n, x: x)
        return clip(1 - cdf)
    }

    /// p clipped to [0, 1] (`np.clip(p, 0, 1)`).
    static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    /// log(n!/nⁿ) by Stirling's series with n log n removed up front (`_log_nfactorial_div_n_pow_n`).
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3,
            -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let nD = Double(n), rn = 1.0 / nD
        let series = coefficients.reduce(0.0) { $0 * (rn / nD) + $1 }
        return log(nD) / 2 - nD + log(2 * Double.pi) / 2 + rn * series
    }

    /// P(Dₙ ≤ d) by Durbin's matrix algorithm as Marsaglia, Tsang & Wang compute it
    /// (`_kolmogn_DMTW`): with d = (k − h)/n, the (k, k) entry of n!/nⁿ · Hⁿ, H of order 2k − 1.
    static func durbinMatrixCDF(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var v = (1...m).map { 1 - pow(h, Double($0)) }
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] *= factorial
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial

        var H = SquareMatrix(order: m)
        for i in 1..<m { for row in (i - 1)..<m { H[row, i] = w[row - (i - 1)] } }
        for row in 0..<m { H[row, 0] = v[row] }
        for column in 0..<m { H[m - 1, column] = v[m - 1 - column] }

        var power = SquareMatrix.identity(order: m)
        var remaining = n, exponent = 0, hExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = power * H
                exponent += hExponent
            }
            H = H * H
            hExponent *= 2
            if abs(H[k - 1, k - 1]) > e128 {
                H.scale(by: 1 / e128)
                hExponent += 128
            }
            remaining /= 2
        }
        var p = power[k - 1, k - 1]
        for i in 1...n {
            p = Double(i) * p / Double(n)
            if abs(p) < em128 {
                p *= e128
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, exponent) }
        return clip(p)
    }

    /// The row interval [j1, j2] of Pomeranz's recursion (`_pomeranz_compute_j1j2`).
    static func pomeranzInterval(_ i: Int, n: Int, ll: Int, ceilf: Int, roundf: Int) -> (Int, Int) {
        var j1: Int, j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let half = (i + 1) / 2, odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
                } else {
                    (j1, j2) = (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                }
            } else {
                (j1, j2) = (half - 1 - ll - 1, half + ll + roundf - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// P(Dₙ ≤ x) by Pomeranz's recursion (`_kolmogn_Pomeranz`): 2n + 1 convolutions of a row with
    /// truncated Poisson weights (g/n)^m/m!, (2g/n)^m/m!, ((1 − 2g)/n)^m/m!, then n!.
    static func pomeranzCDF(n: Int, x: Double) -> Double {
        let nD = Double(n)
        let t = nD * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilf = f > 0 ? 1 : 0, roundf = f > 0.5 ? 1 : 0
        let powers = 2 * (ll + 1)
        var gPower = [Double](repeating: 1, count: powers)
        var twoGPower = gPower, oneMinusTwoGPower = gPower
        let gOverN = g / nD, twoGOverN = 2 * g / nD, oneMinusTwoGOverN = (1 - 2 * g) / nD
        for m in 1..<powers {
            gPower[m] = gPower[m - 1] * gOverN / Double(m)
            twoGPower[m] = twoGPower[m - 1] * twoGOverN / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: powers), v1 = v0
        v1[0] = 1
        var v0Start = 0, v1Start = 0, exponent = 0
        var (j1, j2) = pomeranzInterval(0, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            (j1, j2) = pomeranzInterval(i, n: n, ll: ll, ceilf: ceilf, roundf: roundf)
            let weights = (i == 1 || i == 2 * n + 1) ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
            let length = j2 - k1 + 1
            guard length > 0 else { continue }
            let lo = k1 - v0Start
            precondition(lo >= 0, "Pomeranz window starts before the row")
            let segment = Array(v0[lo..<min(lo + length, powers)])
            let convolution = fullConvolution(segment, Array(weights[0..<min(length, powers)]))
            let start = j1 - k1, count = j2 - j1 + 1
            for index in 0..<count { v1[index] = convolution[start + index] }
            let largest = v1.max()!
            if largest > 0 && largest < em128 {
                for index in v1.indices { v1[index] *= e128 }
                exponent -= 128
            }
            v1Start = v0Start + j1 - k1
        }
        var answer = v1[n - v1Start]
        for m in 1...n {
            if abs(answer) > e128 {
                answer *= em128
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, exponent) }
        return clip(answer)
    }

    /// `np.convolve(a, b)` ('full'): c[k] = Σᵢ a[i] b[k − i].
    static func fullConvolution(_ a: [Double], _ b: [Double]) -> [Double] {
        guard !a.isEmpty, !b.isEmpty else { return [] }
        var c = [Double](repeating: 0, count: a.count + b.count - 1)
        for (i, ai) in a.enumerated() { for (j, bj) in b.enumerated() { c[i + j] += ai * bj } }
        return c
    }

    /// The Pelz–Good approximation of P(Dₙ ≤ x) (`_kolmogn_PelzGood`): the Li-Chien/Korolyuk
    /// expansion K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}, z = x√n, each Kᵢ rewritten through
    /// Jacobi theta identities into sums over q^{(2k−1)²}, q = exp(−π²/(8z²)).
    static func pelzGoodCDF(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let sqrt2pi = (2 * Double.pi).squareRoot()
        let z = Double(n).squareRoot() * x
        let z2 = z * z, z3 = pow(z, 3), z4 = pow(z, 4), z6 = pow(z, 6)
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        var q = exp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * pow(z, 8)
        var K = [0.0, 0.0, 0.0, 0.0]
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        for k in stride(from: maxk, through: 1, by: -1) {
            let m = Double(2 * k - 1)
            let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
            let qPower = pow(q, Double(8 * k))
            let coefficients = [
                1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                k3a + k3b * m2 + k3c * m4 + k3d * m6,
            ]
            for i in 0..<4 { K[i] = K[i] * qPower + coefficients[i] }
        }
        let denominators = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for i in 0..<4 { K[i] = K[i] * q * sqrt2pi / denominators[i] }
        q = exp(-pi2 / 2 / z2)
        var k2Extra = 0.0, k3Extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        for k in stride(from: maxk, through: 1, by: -1) {
            let k2 = Double(k * k)
            let qk = pow(q, k2)
            k2Extra += k2 * qk
            let kpi = Double.pi * Double(k)
            k3Extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk
        }
        K[2] += k2Extra * (pi2 * sqrt2pi / (-36 * z3))
        K[3] += k3Extra * (pi2 * sqrt2pi / (216 * z6))
        for i in 0..<4 { K[i] /= pow(Double(n), Double(i) / 2) }
        return K.reduce(0, +)
    }
}

/// A small dense row-major matrix for Durbin's algorithm.
struct SquareMatrix {
    let order: Int
    var entries: [Double]

    init(order: Int) {
        self.order = order
        entries = [Double](repeating: 0, count: order * order)
    }

    static func identity(order: Int) -> SquareMatrix {
        var matrix = SquareMatrix(order: order)
        for i in 0..<order { matrix[i, i] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { entries[row * order + column] }
        set { entries[row * order + column] = newValue }
    }

    mutating func scale(by factor: Double) {
        for i in entries.indices { entries[i] *= factor }
    }

    static func * (a: SquareMatrix, b: SquareMatrix) -> SquareMatrix {
        let n = a.order
        var c = SquareMatrix(order: n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = a.entries[i * n + k]
                if aik == 0 { continue }
                for j in 0..<n { c.entries[i * n + j] += aik * b.entries[k * n + j] }
            }
        }
        return c
    }
}
