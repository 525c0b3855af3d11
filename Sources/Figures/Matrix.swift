/// A row-major table of numbers read from a run file: one row per recorded step (or per
/// instance), `columns` values each.
package struct Matrix: Sendable, Equatable {
    /// How many rows.
    package let rows: Int
    /// How many values per row.
    package let columns: Int
    /// The values, row after row.
    package let values: [Double]

    /// A matrix of `rows` × `columns` values in row-major order.
    package init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "\(values.count) values do not fill \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Row `index`.
    package func row(_ index: Int) -> ArraySlice<Double> {
        values[(index * columns)..<((index + 1) * columns)]
    }

    /// Column `index`, top to bottom.
    package func column(_ index: Int) -> [Double] {
        (0..<rows).map { values[$0 * columns + index] }
    }

    /// The value at (`row`, `column`).
    package subscript(row: Int, column: Int) -> Double {
        values[row * columns + column]
    }
}
