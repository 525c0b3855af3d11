/// A problem with an experiment config, said so that a user can fix it: the file, the line (when
/// the value was written in the file), the `--set` override (when it came from one), the key path
/// and what was wrong. For example
///
///     data/configs/synthetic/npo.yaml:12: objective.forget.bta: unknown key 'bta' (expected one of: name, beta, …)
///     data/configs/synthetic/npo.yaml:4:9: not valid YAML: while scanning a simple key: could not find expected ':'
///     data/configs/synthetic/npo.yaml: --set run.steps=ten: run.steps: expected an integer, found 'ten'
package struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of problem it is.
    package enum Kind: String, Sendable {
        /// The file could not be read.
        case unreadable
        /// The text is not YAML, or a `--set` is not `key.path=value`.
        case syntax
        /// A key the schema does not have (in the file or in a `--set`), or a key given twice.
        case unknownKey
        /// A value of the wrong type: a string for a number, a list for a mapping, null for a
        /// required value, ….
        case wrongType
        /// A name not in its list (objective, retain term, optimizer, schedule, split, …).
        case unknownName
        /// A value out of its range (lr ≤ 0, a batch < 1, overlapping splits, …).
        case outOfRange
        /// Keys that cannot be set together (`run.steps` and `run.epochs`, a hyper-parameter the
        /// objective does not read).
        case conflict
    }

    package let kind: Kind
    /// The config file (or the label given when loading from a string).
    package let file: String
    /// The 1-based line of the key in the file, when the value was written there.
    package let line: Int?
    /// The 1-based column, for syntax errors (with `line`).
    package let column: Int?
    /// The `key.path=value` override the value came from, if it came from one.
    package let override: String?
    /// The dotted key path, e.g. `objective.forget.beta`; empty for the whole file.
    package let keyPath: String
    /// What was wrong.
    package let message: String

    package init(
        _ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, override: String? = nil,
        keyPath: String = "", _ message: String
    ) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = line == nil ? nil : column
        self.override = override
        self.keyPath = keyPath
        self.message = message
    }

    package var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        text += ": "
        if let override { text += "--set \(override): " }
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}
