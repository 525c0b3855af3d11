import Experiments
import Yams

/// `${key}` references in a sweep file's values: `runs/markov/seed-${seed}/${data.markov}/target`
/// becomes `runs/markov/seed-3/A/target` for the run with seed 3 of experiment A.
enum Template {
    /// `text` with every `${key}` replaced by `lookup(key)`; an unknown key, or a `${` without
    /// its `}`, is a ``ConfigError`` at `line`.
    static func substitute(
        _ text: String, file: String, line: Int?, key: String, lookup: (String) -> String?
    ) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ConfigError(.syntax, file: file, line: line, keyPath: key, "'${' without its '}'")
            }
            let name = String(rest[open.upperBound..<close])
            guard let value = lookup(name) else {
                throw ConfigError(
                    .unknownKey, file: file, line: line, keyPath: key,
                    "${\(name)}: not an axis, a key of `set` or a config key with a value")
            }
            out += value
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The scalar at the dotted `path` of a YAML mapping, or nil.
    static func scalar(at path: String, in node: Node) -> String? {
        var node = node
        for component in path.split(separator: ".") {
            guard let next = node.mapping?[String(component)] else { return nil }
            node = next
        }
        guard case .scalar(let s) = node, node.tag != Tag(.null) else { return nil }
        return s.string
    }
}
