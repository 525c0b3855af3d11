/// A problem with input data, said so that a user can fix it: the file, the line (1-based, when
/// there is one) and what was expected. The command line prints it and exits with status 2.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
