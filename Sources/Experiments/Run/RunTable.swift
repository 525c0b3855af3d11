import Foundation
import Store

/// One line per run file, the headline numbers side by side (`gscope inspect --table`): the
/// objective, the answer NLL of the forget set and of the first retain items before → after, the
/// last evaluation's forget quality and model utility, and the last recorded e_u and e_r.
public enum RunTable {
    public struct Row: Sendable {
        public let objective: String
        public let forgetNLL: (before: Double, after: Double), retainNLL: (before: Double, after: Double)
        public let forgetQuality: Double?, modelUtility: Double?
        public let forgetGEffect: Double?, retainGEffect: Double?
    }

    public static func row(of path: String) throws -> Row {
        let file = try H5File.open(path)
        defer { try? file.close() }
        let root = file.root
        func attribute(_ name: String) -> Double { (try? root.doubleAttribute(name)) ?? .nan }
        func last(_ dataset: String) -> Double? {
            guard root.contains(dataset.components(separatedBy: "/")[0]) else { return nil }
            return (try? root.read(dataset, as: Double.self).values.last) ?? nil
        }
        return Row(objective: try root.stringAttribute("objective"),
                   forgetNLL: (attribute("forget_nll_before"), attribute("forget_nll_after")),
                   retainNLL: (attribute("retain_nll_before"), attribute("retain_nll_after")),
                   forgetQuality: last("eval/forget_quality"), modelUtility: last("eval/model_utility"),
                   forgetGEffect: last("geffect/forget/total"), retainGEffect: last("geffect/retain/total"))
    }

    /// The table, a header and one aligned line per run.
    public static func text(of paths: [String]) throws -> String {
        func cell(_ v: Double?, _ format: String = "%.4g") -> String { v.map { String(format: format, $0) } ?? "—" }
        let header = ["objective", "forget NLL", "retain NLL", "forget quality", "model utility", "e_u (last)", "e_r (last)"]
        let rows = try paths.map { path -> [String] in
            let r = try row(of: path)
            return [r.objective, String(format: "%.3f → %.3f", r.forgetNLL.before, r.forgetNLL.after),
                    String(format: "%.3f → %.3f", r.retainNLL.before, r.retainNLL.after),
                    cell(r.forgetQuality), cell(r.modelUtility), cell(r.forgetGEffect, "%+.4g"), cell(r.retainGEffect, "%+.4g")]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max()! }
        return ([header] + rows).map { line in
            zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
