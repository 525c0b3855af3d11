/// Errors of the model layer. Each names what was wrong in words a user can act on.
package enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case shapeMismatch(String)
    /// A checkpoint or model file that cannot be used: missing, malformed, or not matching its
    /// configuration (bad input). The text starts with the file's path.
    case checkpoint(String)
    /// A checkpoint that cannot be written (`path: cause`): an I/O failure, not bad input.
    case cannotWrite(String)

    package var description: String {
        switch self {
        case .invalidConfig(let s): "invalid model configuration: \(s)"
        case .shapeMismatch(let s): "shape mismatch: \(s)"
        case .checkpoint(let s): s
        case .cannotWrite(let s): "cannot write the checkpoint: \(s)"
        }
    }

    /// Whether the error is an I/O failure (`cannotWrite`) rather than bad input.
    package var isIOFailure: Bool {
        if case .cannotWrite = self { return true }
        return false
    }
}
