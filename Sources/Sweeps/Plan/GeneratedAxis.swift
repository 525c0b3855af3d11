import Experiments
import Foundation
import Yams

/// An axis written as a generator instead of a list:
///
/// - `{range: [start, stop, step]}` (`step` defaults to 1): start, start + step, … while below
///   `stop` (above it for a negative step), as Python's `range` and `numpy.arange`;
/// - `{logspace: [from, to], num: n}`: n values from `from` to `to`, both included, evenly spaced
///   in log scale, as `numpy.geomspace` (the end points are values, not exponents).
///
/// Every generated value is rounded to 12 significant digits, so that `0.1 + 2·0.1` is `0.3`
/// and a learning rate reads `1e-04`; integers stay integers.
struct GeneratedAxis {
    /// The values as text (shortest form after rounding).
    let numbers: [String]

    /// The most values an axis may generate.
    static let limit = 100_000

    init(_ mapping: Node.Mapping, file: String, key: String, line: Int?) throws {
        func problem(_ message: String) -> ConfigError {
            ConfigError(.wrongType, file: file, line: line, keyPath: key, message)
        }
        let keys = mapping.map { $0.key.string ?? "" }
        func numbers(_ node: Node?) -> [Double]? {
            node?.sequence?.map { $0.float ?? $0.int.map(Double.init) ?? .nan }
        }
        if keys.sorted() == ["range"] {
            guard let bounds = numbers(mapping["range"]), (2...3).contains(bounds.count), bounds.allSatisfy(\.isFinite) else {
                throw problem("range: expected [start, stop] or [start, stop, step] of finite numbers")
            }
            let (start, stop, step) = (bounds[0], bounds[1], bounds.count == 3 ? bounds[2] : 1)
            guard step != 0 else { throw problem("range: the step must not be 0") }
            let count = ((stop - start) / step).rounded(.up)
            guard count >= 1, count <= Double(Self.limit) else {
                throw problem("range: gives \(count < 1 ? "no" : "more than \(Self.limit)") values")
            }
            let integral = bounds.allSatisfy { $0 == $0.rounded() }
            self.numbers = (0..<Int(count)).map { k in Self.text(start + Double(k) * step, integral: integral) }
        } else if keys.sorted() == ["logspace", "num"] {
            guard let ends = numbers(mapping["logspace"]), ends.count == 2, ends.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw problem("logspace: expected [from, to], two positive numbers")
            }
            guard let n = mapping["num"]?.int, (2...Self.limit).contains(n) else {
                throw problem("logspace: num must be an integer from 2 to \(Self.limit)")
            }
            let (a, b) = (log10(ends[0]), log10(ends[1]))
            self.numbers = (0..<n).map { k in
                Self.text(
                    k == 0 ? ends[0] : k == n - 1 ? ends[1] : pow(10, a + (b - a) * Double(k) / Double(n - 1)), integral: false)
            }
        } else {
            throw problem("expected {range: [start, stop, step]} or {logspace: [from, to], num: n}, found keys \(keys)")
        }
    }

    /// `x` rounded to 12 significant digits, in Swift's shortest form (an integer without `.0`
    /// when `integral`).
    static func text(_ x: Double, integral: Bool) -> String {
        if integral, abs(x) < 1e15 { return String(Int(x.rounded())) }
        let rounded = Double(String(format: "%.12g", x))!
        return rounded.description
    }
}
