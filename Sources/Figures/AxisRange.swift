import Foundation

/// A fixed range of a figure's axis, `LOW:HIGH` on the command line (`--xrange 0:0.3`); an end
/// left empty stays automatic (`0:` starts at 0 and lets gnuplot choose the top).
package struct AxisRange: Sendable, Equatable {
    package let low: Double?
    package let high: Double?

    /// Parses `LOW:HIGH`; nil unless both ends are empty or finite numbers, one at least is given,
    /// and LOW < HIGH when both are.
    package init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        func end(_ part: String) -> Double?? {
            if part.isEmpty { return .some(nil) }
            guard let value = Double(part), value.isFinite else { return nil }
            return .some(value)
        }
        guard let low = end(parts[0]), let high = end(parts[1]), low != nil || high != nil else { return nil }
        if let low, let high, low >= high { return nil }
        self.low = low
        self.high = high
    }

    /// gnuplot's `[low:high]`, `*` for an automatic end.
    package var gnuplot: String {
        "[\(low.map(GnuplotScript.format) ?? "*"):\(high.map(GnuplotScript.format) ?? "*")]"
    }
}
