import Foundation
import NumericCore

/// One metric as open-unlearning's `TOFU_EVAL.json` holds it: `{"agg_value": …, "value_by_index": {"<idx>": {…}}}`.
package struct MetricResult: Sendable {
    package let aggValue: Double
    /// One entry per item, in index order (nil for metrics without per-item values).
    package let valueByIndex: [JSONText.Value]?

    package init(aggValue: Double, valueByIndex: [JSONText.Value]? = nil) {
        self.aggValue = aggValue
        self.valueByIndex = valueByIndex
    }

    var json: JSONText.Value {
        var pairs: [(String, JSONText.Value)] = [("agg_value", .number(aggValue))]
        if let valueByIndex {
            pairs.append(("value_by_index", .object(valueByIndex.enumerated().map { (String($0.offset), $0.element) })))
        }
        return .object(pairs)
    }
}

/// The metrics of one evaluation, in the order they were computed.
package struct TOFUReport: Sendable {
    package private(set) var metrics: [(name: String, result: MetricResult)] = []
    /// The per-item truth ratios on the forget set: what forget quality compares with another
    /// model's.
    package internal(set) var forgetTruthRatios: [Double] = []
    /// The Min-K% membership AUC (forget against holdout): privleak's reference for another model.
    package internal(set) var minKAUC: Double?

    package init() {}

    mutating func add(_ name: String, _ result: MetricResult) { metrics.append((name, result)) }

    package subscript(name: String) -> MetricResult? { metrics.first { $0.name == name }?.result }

    /// `eval.json`: every metric with its per-item values (open-unlearning's `TOFU_EVAL.json` shape).
    package var evalJSON: String { JSONText.Value.object(metrics.map { ($0.name, $0.result.json) }).pretty() + "\n" }

    /// `summary.json`: `{metric: agg_value}`.
    package var summaryJSON: String { summary.pretty() + "\n" }

    package var summary: JSONText.Value { .object(metrics.map { ($0.name, .number($0.result.aggValue)) }) }
}

extension TOFUReport {
    /// Writes `eval.json` and `summary.json` into `directory` (created if needed); each file is
    /// written to a temporary sibling first and renamed, so a failure leaves no half-written file.
    package func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in [("eval.json", evalJSON), ("summary.json", summaryJSON)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
        }
    }
}
