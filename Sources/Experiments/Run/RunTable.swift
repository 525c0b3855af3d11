import Foundation
import Store

/// One line per run file, the headline numbers side by side (`gscope inspect --table`): the run's
/// name and objective, the answer NLL of the forget set and of the first
/// `UnlearningExperiment.retainReportCount` (200) retain items before → after, the last
/// evaluation's headline metrics (TOFU: forget quality and model utility; Markov: the KL of each
/// group) and the last recorded G-effects on the forget and retain risks, e_forget and e_retain.
package enum RunTable {
    /// The evaluation metrics a table shows, in this order, when any run has them.
    package static let headlineMetrics = ["forget_quality", "model_utility", "kl_forget1", "kl_forget2", "kl_retain"]

    package struct Row: Sendable {
        /// The configuration's `name`.
        package let name: String
        package let objective: String
        package let forgetNLL: (before: Double, after: Double), retainNLL: (before: Double, after: Double)
        /// The last evaluated value of each of `headlineMetrics` the run has.
        package let lastEvaluation: [String: Double]
        package let forgetGEffect: Double?, retainGEffect: Double?
    }

    package static func row(of path: String) throws -> Row {
        let file = try H5File.open(path)
        defer { try? file.close() }
        let root = file.root
        func attribute(_ name: String) -> Double { (try? root.doubleAttribute(name)) ?? .nan }
        func last(_ dataset: String) -> Double? {
            guard root.contains(dataset.components(separatedBy: "/")[0]) else { return nil }
            return (try? root.read(dataset, as: Double.self).values.last) ?? nil
        }
        let config = try ExperimentConfig.load(yaml: try root.stringAttribute("config"), file: path + ":/config")
        var evaluation: [String: Double] = [:]
        for metric in headlineMetrics { evaluation[metric] = last("eval/" + metric) }
        return Row(
            name: config.name, objective: try root.stringAttribute("objective"),
            forgetNLL: (attribute("forget_nll_before"), attribute("forget_nll_after")),
            retainNLL: (attribute("retain_nll_before"), attribute("retain_nll_after")),
            lastEvaluation: evaluation,
            forgetGEffect: last("geffect/forget/total"), retainGEffect: last("geffect/retain/total"))
    }

    /// The table, a header and one aligned line per run; an evaluation column appears when some
    /// run has the metric.
    package static func text(of paths: [String]) throws -> String {
        func cell(_ v: Double?, _ format: String = "%.4g") -> String { v.map { String(format: format, $0) } ?? "—" }
        let table = try paths.map(row(of:))
        let metrics = headlineMetrics.filter { m in table.contains { $0.lastEvaluation[m] != nil } }
        let header =
            ["run", "objective", "forget NLL", "retain NLL (first \(UnlearningExperiment.retainReportCount))"]
            + metrics.map { $0.replacingOccurrences(of: "_", with: " ") }
            + ["e_forget (last)", "e_retain (last)"]
        let rows = table.map { r -> [String] in
            [
                r.name, r.objective, String(format: "%.3f → %.3f", r.forgetNLL.before, r.forgetNLL.after),
                String(format: "%.3f → %.3f", r.retainNLL.before, r.retainNLL.after),
            ]
                + metrics.map { cell(r.lastEvaluation[$0]) } + [cell(r.forgetGEffect, "%+.4g"), cell(r.retainGEffect, "%+.4g")]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        return ([header] + rows).map { line in
            zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
