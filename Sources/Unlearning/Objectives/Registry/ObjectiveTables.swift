import Foundation

/// The registry as text: the README's Markdown tables and the command line's help, both written
/// from `ObjectiveDescription`, so that neither can drift from the code.
extension ObjectiveDescription {
    /// The Markdown tables of forget objectives and retain terms (the README's objectives section).
    package static var markdownTables: String {
        /// A table cell: a `|` inside a formula (`|s|`) would end the cell.
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        func table(_ title: String, _ entries: [ObjectiveDescription]) -> String {
            var lines = [
                "\(title)", "", "| name | what it does | hyper-parameters: default (allowed) — meaning |", "|---|---|---|",
            ]
            for entry in entries {
                var cells = entry.parameters.map { "`\($0.key)` = \($0.defaultText) (\($0.allowed)) — \($0.summary)" }
                cells += entry.aliases.map { "`\($0.key)`: \($0.summary) (sets `\($0.sets)`)" }
                let parameters = cells.isEmpty ? "—" : cells.joined(separator: "<br>")
                lines.append("| `\(entry.name)` | \(cell(entry.summary)) | \(cell(parameters)) |")
            }
            return lines.joined(separator: "\n")
        }
        return table("Forget objectives (`objective.forget.name`, parameters under `objective.forget`):", forget)
            + "\n\n" + table("Retain terms (`objective.retain.name`, parameters under `objective.retain`):", retain) + "\n"
    }

    /// The terms that read θ_o, in words: "npo, tnpo, … and the kl and rr retain terms".
    package static var referenceReaders: String {
        let forget = Self.forget.filter(\.readsReference).map(\.name)
        let retain = Self.retain.filter(\.readsReference).map(\.name)
        return forget.joined(separator: ", ") + " and the " + retain.joined(separator: " and ") + " retain terms"
    }

    /// "ga, wga (alpha=1.0), npo (beta=0.1), …": names with their defaults, for a help paragraph.
    package static func namesWithDefaults(_ entries: [ObjectiveDescription]) -> String {
        entries.map { $0.parameters.isEmpty ? $0.name : "\($0.name) (\($0.defaultsText))" }.joined(separator: ", ")
    }

    /// The plain-text list for `--help`: each entry's name and summary, then one line per
    /// hyper-parameter with its default and range.
    package static func helpText(_ entries: [ObjectiveDescription]) -> String {
        let width = (entries.map(\.name.count).max() ?? 0) + 2
        var lines: [String] = []
        for entry in entries {
            lines.append(entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + entry.summary)
            let indent = String(repeating: " ", count: width)
            for p in entry.parameters {
                lines.append(indent + "\(p.key) = \(p.defaultText) (\(p.allowed)): \(p.summary)")
            }
            for a in entry.aliases {
                lines.append(indent + "\(a.key): \(a.summary) (sets \(a.sets))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
