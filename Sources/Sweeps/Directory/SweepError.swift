/// A plan directory that cannot be used: a manifest line that is not what `gscope sweep plan`
/// writes, a missing file, a run index out of range. Said as `file[:line]: what was wrong`.
package struct SweepError: Error, CustomStringConvertible, Sendable {
    package let file: String
    package let line: Int?
    package let message: String

    package init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    package var description: String { file + (line.map { ":\($0)" } ?? "") + ": " + message }
}
