import Foundation

/// The text of a gnuplot data file: one or more blocks, which a script selects with `index k`.
///
/// Each block starts with a comment naming it and its columns, one line each whatever the names
/// hold (``GnuplotString/comment(_:)``). Numbers are written with 10
/// significant digits and non-finite values as `NaN` (gnuplot leaves such points out), so the
/// same values always give the same bytes.
struct DataTable {
    private var blocks: [String] = []

    /// How many blocks have been added; the next block's `index`.
    var count: Int { blocks.count }

    /// Adds a block of `rows` under `columns`. With `scanLength`, a blank line follows every
    /// `scanLength` rows, as gnuplot's grid formats (`with image`) need between scans.
    /// Returns the block's index.
    @discardableResult
    mutating func add(_ title: String, columns: [String], rows: [[Double]], scanLength: Int? = nil) -> Int {
        var lines = [
            "# [index \(blocks.count)] " + GnuplotString.comment(title),
            "# " + columns.map(GnuplotString.comment).joined(separator: "\t"),
        ]
        for (number, row) in rows.enumerated() {
            lines.append(row.map(Self.format).joined(separator: "\t"))
            if let scanLength, (number + 1) % scanLength == 0, number + 1 < rows.count { lines.append("") }
        }
        blocks.append(lines.joined(separator: "\n"))
        return blocks.count - 1
    }

    /// The file's text: the blocks separated by two blank lines, as gnuplot's `index` expects.
    var text: String { blocks.joined(separator: "\n\n\n") + "\n" }

    /// A value as written in the table.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.10g", value)
    }
}
