/// Minimum, mean, median, 95th percentile and maximum of a list of lengths.
///
/// The median of an even count is the mean of the two middle values; the 95th percentile is the
/// nearest rank: the value at sorted position ⌈0.95·n⌉ − 1.
package struct LengthStatistics: Codable, Equatable, Sendable {
    /// How many values.
    package let count: Int
    /// The smallest value.
    package let min: Int
    /// The arithmetic mean.
    package let mean: Double
    /// The middle value (the mean of the two middle values for an even count).
    package let median: Double
    /// The nearest-rank 95th percentile.
    package let p95: Int
    /// The largest value.
    package let max: Int

    /// The statistics of `values` (all zero for an empty list).
    package init<C: Collection>(_ values: C) where C.Element == Int {
        let sorted = values.sorted()
        count = sorted.count
        guard let first = sorted.first, let last = sorted.last else {
            min = 0; mean = 0; median = 0; p95 = 0; max = 0
            return
        }
        min = first
        max = last
        mean = Double(sorted.reduce(0, +)) / Double(count)
        median =
            count % 2 == 1
            ? Double(sorted[count / 2])
            : Double(sorted[count / 2 - 1] + sorted[count / 2]) / 2
        let rank = Int((0.95 * Double(count)).rounded(.up))
        p95 = sorted[Swift.max(rank - 1, 0)]
    }
}

/// Length statistics of formatted samples: all ids (begin and end included) and the tokens the
/// loss covers (answer plus end token).
package struct SampleLengthSummary: Codable, Equatable, Sendable {
    /// Statistics of `ids.count` per sample.
    package let total: LengthStatistics
    /// Statistics of `answerTokenCount` per sample.
    package let answer: LengthStatistics

    /// Summarises samples.
    package init(_ samples: [FormattedSample]) {
        total = LengthStatistics(samples.map(\.ids.count))
        answer = LengthStatistics(samples.map(\.answerTokenCount))
    }
}
