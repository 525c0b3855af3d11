/// A problem with input data, said so that a user can fix it: the file, the line (1-based, when
/// there is one), the column (1-based, for syntax errors) and what was expected. The command line
/// prints it and exits with status 2.
package struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    package let file: String
    package let line: Int?
    package let column: Int?
    package let message: String

    package init(file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, with the parts that are known.
    package var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if line != nil, let column { location += ":\(column)" }
        return "\(location): \(message)"
    }
}
