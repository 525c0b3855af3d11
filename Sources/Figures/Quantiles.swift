/// Quantiles of the finite values of a sample, by linear interpolation between order statistics
/// (numpy's default).
enum Quantiles {
    /// The `q`-quantile (0 ≤ q ≤ 1) of the finite values in `values`, or NaN when there are none.
    static func of(_ values: some Sequence<Double>, _ q: Double) -> Double {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
