/// An error from the Store layer.
///
/// Every case names the file (as the caller spelled its path) and, where there is one, the object
/// inside it: a group or dataset path such as `/geffect/forget/total`, or an attribute written as
/// `/runs attribute "seed"`. The ``description`` reads
/// `run.h5: /geffect/forget/total: row has 7 values, expected 6`.
///
/// HDF5's own automatic error printing is turned off by this layer; when an HDF5 call fails, the
/// message HDF5 recorded is carried in ``library(file:object:operation:detail:)``.
package enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be created or opened: it is missing, is not an HDF5 file, is locked by
    /// another writer, or the directory is not writable.
    case cannotOpen(file: String, reason: String)
    /// No group, dataset or attribute of that name.
    case notFound(file: String, object: String)
    /// A group or dataset of that name already exists.
    case alreadyExists(file: String, object: String)
    /// The object is not of the kind or element type the call expected, for example a group where
    /// a dataset was asked for, or `float32` data read as `Int32`.
    case typeMismatch(file: String, object: String, expected: String, found: String)
    /// A value count disagrees with a shape, or a stored shape disagrees with what was asked for.
    case shapeMismatch(file: String, object: String, detail: String)
    /// An argument is unusable: an empty name, a negative dimension, a string holding a NUL byte,
    /// a write to a file opened read-only, a closed file.
    case invalidArgument(file: String, object: String, detail: String)
    /// An HDF5 call failed. `operation` names the call, `detail` is HDF5's own message.
    case library(file: String, object: String, operation: String, detail: String)

    /// The file path the error is about.
    package var file: String {
        switch self {
        case .cannotOpen(let file, _), .notFound(let file, _), .alreadyExists(let file, _),
            .typeMismatch(let file, _, _, _), .shapeMismatch(let file, _, _),
            .invalidArgument(let file, _, _), .library(let file, _, _, _):
            return file
        }
    }

    /// The object inside the file the error is about (empty for ``cannotOpen(file:reason:)``).
    package var object: String {
        switch self {
        case .cannotOpen: return ""
        case .notFound(_, let object), .alreadyExists(_, let object),
            .typeMismatch(_, let object, _, _), .shapeMismatch(_, let object, _),
            .invalidArgument(_, let object, _), .library(_, let object, _, _):
            return object
        }
    }

    /// What went wrong, without the file and object.
    package var message: String {
        switch self {
        case .cannotOpen(_, let reason): return reason
        case .notFound: return "not found"
        case .alreadyExists: return "already exists"
        case .typeMismatch(_, _, let expected, let found): return "expected \(expected), found \(found)"
        case .shapeMismatch(_, _, let detail), .invalidArgument(_, _, let detail): return detail
        case .library(_, _, let operation, let detail):
            return detail.isEmpty ? "\(operation) failed" : "\(operation) failed: \(detail)"
        }
    }

    /// `file: object: message`, or `file: message` when there is no object.
    package var description: String {
        object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)"
    }
}
