import Foundation
import NumericCore

/// ‖a − b‖ / ‖b‖ (0 when both are zero).
package func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count)")
    var d = 0.0, n = 0.0
    for i in a.indices { d += (a[i] - b[i]) * (a[i] - b[i]); n += b[i] * b[i] }
    return n == 0 ? d.squareRoot() : (d / n).squareRoot()
}

package func relativeError(_ a: [Float], _ b: [Double]) -> Double { relativeError(a.map(Double.init), b) }

/// Central finite differences of `f` at `x`, one coordinate at a time, step `h·max(1, |xᵢ|)`.
package func finiteDifferenceGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    return x.indices.map { i in
        let xi = x[i], step = h * max(1, abs(xi))
        x[i] = xi + step; let fp = f(x)
        x[i] = xi - step; let fm = f(x)
        x[i] = xi
        return (fp - fm) / (2 * step)
    }
}

package func randomFloats(_ n: Int, std: Double = 1, mean: Double = 0, rng: inout RNG) -> [Float] {
    (0..<n).map { _ in Float(mean + std * rng.normal()) }
}

extension Array where Element == Float {
    package var doubles: [Double] { map(Double.init) }
}

/// Central finite differences of `f` at `x` along the coordinates `indices` only (in their
/// order), step `h·max(1, |xᵢ|)`: for models too large to difference every coordinate.
package func finiteDifferenceGradient(
    _ x: [Double], at indices: [Int], h: Double = 1e-5,
    _ f: ([Double]) -> Double
) -> [Double] {
    var x = x
    return indices.map { i in
        let xi = x[i], step = h * max(1, abs(xi))
        x[i] = xi + step; let fp = f(x)
        x[i] = xi - step; let fm = f(x)
        x[i] = xi
        return (fp - fm) / (2 * step)
    }
}

/// `count` distinct indices of `range` drawn at random (all of them when the range is smaller),
/// in increasing order.
package func sampleIndices(_ range: Range<Int>, count: Int, rng: inout RNG) -> [Int] {
    guard range.count > count else { return Array(range) }
    var chosen = Set<Int>()
    while chosen.count < count { chosen.insert(range.lowerBound + rng.below(range.count)) }
    return chosen.sorted()
}
