/// A duration in seconds, for timings printed or stored as numbers.
extension Duration {
    /// `seconds + attoseconds · 1e-18` of `components`.
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
