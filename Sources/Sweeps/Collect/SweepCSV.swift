/// `sweep.csv`: the final values of every run, one row per run, for pandas (docs/sweep-file.md).
///
/// Header `index,id,status,<axis keys…>,<final names…>` (the final names in `/final` order); axis
/// values as the manifest writes them; numbers in Swift's shortest round-trip form (`0.1`,
/// `1e-05`, `2.0`), NaN as an empty field; a field holding a comma, a double quote, CR or LF is
/// quoted as RFC 4180 says (in double quotes, each `"` doubled). Lines end with LF.
package enum SweepCSV {
    /// The CSV text of `collection`.
    package static func text(of collection: SweepCollection) -> String {
        let finals = collection.finalColumns
        let header = ["index", "id", "status"] + collection.axisKeys + finals.map(\.name)
        var lines = [header.map(field).joined(separator: ",")]
        for (row, run) in collection.runs.enumerated() {
            let axes = collection.axisKeys.map { key in run.plan.axes.first { $0.key == key }?.value ?? "" }
            let numbers = finals.map { number($0.values[row]) }
            lines.append(([String(run.plan.index), run.plan.id, run.status] + axes + numbers).map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `value` in Swift's shortest round-trip form; "" for NaN.
    package static func number(_ value: Double) -> String { value.isNaN ? "" : "\(value)" }

    /// `text` as one CSV field: quoted (RFC 4180) when it holds a comma, a double quote, CR or LF.
    package static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
