import Experiments
import Foundation
import GGUF
import NumericCore
import Yams

/// A sweep file: a base config, fixed overrides, axes over any config key, seeds and zipped axes
/// (README "Sweeps"; docs/sweeps.md). For example
///
///     name: markov-A
///     base: data/configs/markov/A_npo.yaml
///     set:
///       run.record_every: 5
///       model.checkpoint: runs/markov/seed-${seed}/A/target/checkpoint
///     axes:
///       objective.forget.name: [npo, simnpo]
///       objective.forget.beta: [1, 2.5]
///       optimizer.lr: {logspace: [1.0e-5, 1.0e-3], num: 3}
///     seeds: 5
///     zip:
///       - [objective.forget.name, objective.forget.beta]
///
/// The axis `base` takes config files, so that one sweep can span objectives whose standard
/// configs differ. Problems are ``ConfigError``s naming the file, the line and the key.
package struct SweepFile: Sendable, Equatable {
    /// One value of an axis or of a fixed key: the YAML text a `--set key=value` override reads,
    /// and the text shown in run ids and the manifest.
    package struct Value: Sendable, Equatable {
        /// The override's value text (a scalar as written, a string in double quotes when YAML
        /// would read its plain form as something else, a list in flow style).
        package let yaml: String
        /// The value as a label: the scalar, or the list's items joined by `_`.
        package let label: String
    }

    /// An axis: a config key (or `base`, or `seed`) and its values in order.
    package struct Axis: Sendable, Equatable {
        package let key: String
        package let values: [Value]
        /// The line of the key in the sweep file.
        package let line: Int?
    }

    /// A fixed override of `set:`.
    package struct Fixed: Sendable, Equatable {
        package let key: String
        package let value: Value
        package let line: Int?
    }

    /// The file as named on the command line (labels errors).
    package let path: String
    /// The file's text, as read (a plan keeps a copy).
    package let text: String
    /// The prefix of every run's name.
    package let name: String
    /// The base config file (nil: gscope's defaults), unless the axis `base` varies it.
    package let base: String?
    /// The overrides every run gets, in file order.
    package let fixed: [Fixed]
    /// The axes in file order, then `seed` when `seeds` is given.
    package let axes: [Axis]
    /// Groups of axis keys that advance together.
    package let zips: [[String]]

    /// The axis key that names the base config file of each run.
    package static let baseKey = "base"
    /// The axis key of `seeds`.
    package static let seedKey = "seed"

    /// Reads and checks the sweep file at `path`.
    package static func load(path: String) throws -> SweepFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(.unreadable, file: path, "cannot read the sweep file (\(FileErrorText.cause(error)))")
        }
        return try SweepFile(yaml: text, path: path)
    }

    /// Parses sweep-file text; `path` labels errors and gives the default name.
    package init(yaml text: String, path: String) throws {
        self.path = path
        self.text = text
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ExperimentConfig.syntaxError(error, file: path)
        }
        guard let root, let mapping = root.mapping else {
            throw ConfigError(
                .wrongType, file: path, line: root?.mark?.line, "expected a mapping with base, set, axes, seeds, zip")
        }
        var name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var base: String?
        var fixed: [Fixed] = []
        var axes: [Axis] = []
        var seeds: Axis?
        var zips: [[String]] = []
        var zipLines: [Int?] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line
            func fail(_ message: String, at node: Node? = nil) -> ConfigError {
                ConfigError(.wrongType, file: path, line: (node ?? keyNode).mark?.line, keyPath: key, message)
            }
            switch key {
            case "name":
                guard let s = value.scalar?.string, !s.isEmpty, value.tag != Tag(.null) else { throw fail("expected a name") }
                name = s
            case "base":
                guard let s = value.scalar?.string, value.tag != Tag(.null) else {
                    throw fail("expected the path of a config file")
                }
                base = s
            case "set":
                guard let entries = value.mapping else { throw fail("expected a mapping of config keys to values") }
                for (k, v) in entries {
                    let keyPath = k.string ?? ""
                    fixed.append(Fixed(key: keyPath, value: try Self.value(v, file: path, key: keyPath), line: k.mark?.line))
                }
            case "axes":
                guard let entries = value.mapping else { throw fail("expected a mapping of config keys to lists of values") }
                for (k, v) in entries {
                    let keyPath = k.string ?? ""
                    if keyPath == Self.seedKey {
                        throw ConfigError(
                            .conflict, file: path, line: k.mark?.line, keyPath: "axes.seed", "give the seeds as `seeds:`")
                    }
                    axes.append(Axis(key: keyPath, values: try Self.values(v, file: path, key: keyPath), line: k.mark?.line))
                }
            case "seeds":
                let values = try Self.values(value, file: path, key: key, count: true)
                guard values.allSatisfy({ Int($0.label) != nil }) else { throw fail("seeds must be integers") }
                seeds = Axis(key: Self.seedKey, values: values, line: line)
            case "zip":
                guard let groups = value.sequence else { throw fail("expected a list of lists of axis keys") }
                for group in groups {
                    guard let keys = group.sequence?.map({ $0.string ?? "" }), keys.count >= 2 else {
                        throw fail("each zip group is a list of at least two axis keys", at: group)
                    }
                    zips.append(keys)
                    zipLines.append(group.mark?.line)
                }
            default:
                throw ConfigError(
                    .unknownKey, file: path, line: line, keyPath: key,
                    "unknown key '\(key)' (expected one of: name, base, set, axes, seeds, zip)")
            }
        }
        if let seeds { axes.append(seeds) }
        guard !axes.isEmpty else { throw ConfigError(.conflict, file: path, "a sweep needs at least one axis or seeds") }
        var seen = Set<String>()
        for axis in axes {
            guard seen.insert(axis.key).inserted else {
                throw ConfigError(.unknownKey, file: path, line: axis.line, keyPath: axis.key, "axis given twice")
            }
            if fixed.contains(where: { $0.key == axis.key }) {
                throw ConfigError(.conflict, file: path, line: axis.line, keyPath: axis.key, "is both an axis and in `set`")
            }
        }
        var zipped = Set<String>()
        for (group, line) in zip(zips, zipLines) {
            for key in group {
                guard let axis = axes.first(where: { $0.key == key }) else {
                    throw ConfigError(.unknownKey, file: path, line: line, keyPath: "zip", "'\(key)' is not an axis")
                }
                guard zipped.insert(key).inserted else {
                    throw ConfigError(.conflict, file: path, line: line, keyPath: "zip", "'\(key)' is in two zip groups")
                }
                let first = axes.first { $0.key == group[0] }!
                guard axis.values.count == first.values.count else {
                    throw ConfigError(
                        .conflict, file: path, line: line, keyPath: "zip",
                        "zipped axes need equal lengths: \(first.key) has \(first.values.count) values, \(key) \(axis.values.count)"
                    )
                }
            }
        }
        self.name = name
        self.base = base
        self.fixed = fixed
        self.axes = axes
        self.zips = zips
    }

    // MARK: - Values

    /// An axis's values: a list, `{range: [start, stop, step]}`, `{logspace: [from, to], num: n}`
    /// or, with `count` (seeds), an integer n meaning 0 … n−1.
    static func values(_ node: Node, file: String, key: String, count: Bool = false) throws -> [Value] {
        let line = node.mark?.line
        if let list = node.sequence {
            guard !list.isEmpty else {
                throw ConfigError(.outOfRange, file: file, line: line, keyPath: key, "an axis needs values")
            }
            return try list.map { try value($0, file: file, key: key) }
        }
        if count, let n = node.int {
            guard (1...100_000).contains(n) else {
                throw ConfigError(.outOfRange, file: file, line: line, keyPath: key, "expected 1 to 100000 seeds, got \(n)")
            }
            return (0..<n).map { Value(yaml: String($0), label: String($0)) }
        }
        guard let mapping = node.mapping else {
            throw ConfigError(
                .wrongType, file: file, line: line, keyPath: key,
                "expected a list of values, {range: [start, stop, step]} or {logspace: [from, to], num: n}")
        }
        let generated = try GeneratedAxis(mapping, file: file, key: key, line: line)
        return generated.numbers.map { Value(yaml: $0, label: $0) }
    }

    /// A fixed or axis value as override text and label.
    static func value(_ node: Node, file: String, key: String) throws -> Value {
        switch node {
        case .scalar(let scalar):
            // A string goes into the override double-quoted, so that YAML reads it back as the same
            // string whatever it holds (`: `, `#`, digits); numbers, booleans and null stay plain.
            // A plain scalar with a `${key}` template stays plain, so that `${seed}` becomes the
            // number it stands for once substituted.
            let isString = node.tag == Tag(.str) && !(scalar.style == .plain && scalar.string.contains("${"))
            return Value(yaml: isString ? JSONText.quoted(scalar.string) : scalar.string, label: scalar.string)
        case .sequence(let items):
            var parts: [Value] = []
            for item in items {
                guard case .scalar = item else {
                    throw ConfigError(
                        .wrongType, file: file, line: item.mark?.line, keyPath: key, "a list value holds scalars only")
                }
                parts.append(try value(item, file: file, key: key))
            }
            return Value(
                yaml: "[" + parts.map(\.yaml).joined(separator: ", ") + "]", label: parts.map(\.label).joined(separator: "_"))
        default:
            throw ConfigError(
                .wrongType, file: file, line: node.mark?.line, keyPath: key, "expected a scalar or a list of scalars")
        }
    }
}
