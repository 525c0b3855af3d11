import Experiments
import Foundation
import NumericCore
import Yams

/// A sweep file expanded into its runs: every combination of the axes (zipped axes advancing
/// together), each resolved into a full, validated config.
///
/// Order: the first axis (or zip group, at the place of its first key) varies slowest, `seed`
/// fastest, so the seeds of one setting are neighbours. Run ids are stable and readable:
/// `NNNN-key=value-…` with the index and every axis that has more than one value (its last key
/// component, or the whole key when two axes share it); `base` shows the file name.
package struct SweepPlan: Sendable {
    /// One planned run.
    package struct Run: Sendable {
        /// Its place in the manifest, from 0.
        package let index: Int
        /// Its id: the name of its config file and output directory.
        package let id: String
        /// Its value of every axis, in axis order.
        package let axes: [(key: String, value: SweepFile.Value)]
        /// The resolved config (name `<sweep>-<id>`, `run.out` = `<dir>/runs/<id>`).
        package let config: ExperimentConfig
    }

    package let sweep: SweepFile
    package let runs: [Run]

    /// Expands `sweep` for the plan directory `directory` (as the user wrote it: the runs'
    /// `run.out` start with it). Throws a ``ConfigError`` naming the sweep file's line when a run's
    /// config cannot be resolved (an axis key the config does not have, a value out of range, …).
    package init(_ sweep: SweepFile, directory: String) throws {
        self.sweep = sweep
        let dimensions = Self.dimensions(of: sweep)
        let count = dimensions.reduce(1) { $0 * $1.length }
        guard count <= 1_000_000 else {
            throw ConfigError(.outOfRange, file: sweep.path, "the sweep has \(count) runs; at most 1000000")
        }
        let varying = sweep.axes.filter { $0.values.count > 1 }.map(\.key)
        let width = max(4, String(max(count - 1, 0)).count)
        let directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        var baseConfigs: [String: String] = [:]
        var runs: [Run] = []
        for index in 0..<count {
            // The mixed-radix digits of index, the last dimension fastest.
            var rest = index
            var picks = [Int](repeating: 0, count: dimensions.count)
            for d in dimensions.indices.reversed() {
                picks[d] = rest % dimensions[d].length
                rest /= dimensions[d].length
            }
            var chosen: [String: SweepFile.Value] = [:]
            for (d, dimension) in dimensions.enumerated() {
                for key in dimension.keys { chosen[key] = sweep.axes.first { $0.key == key }!.values[picks[d]] }
            }
            let axes = sweep.axes.map { (key: $0.key, value: chosen[$0.key]!) }
            let id =
                String(repeating: "0", count: width - String(index).count) + String(index)
                + varying.map { "-" + Self.short($0, among: varying) + "=" + Self.idText(chosen[$0]!, key: $0) }.joined()
            let config = try Self.resolve(
                sweep, axes: axes, id: id, out: directory + "/runs/" + id, baseConfigs: &baseConfigs)
            runs.append(Run(index: index, id: id, axes: axes, config: config))
        }
        self.runs = runs
    }

    // MARK: - Expansion

    /// A dimension of the product: one axis, or a zip group advancing together.
    package struct Dimension: Sendable {
        /// The axis keys (several for a zip group).
        package let keys: [String]
        /// The number of values.
        package let length: Int
    }

    /// The axes as dimensions, a zip group at the place of its first key.
    package static func dimensions(of sweep: SweepFile) -> [Dimension] {
        var placed = Set<String>()
        var dimensions: [Dimension] = []
        for axis in sweep.axes where !placed.contains(axis.key) {
            let keys = sweep.zips.first { $0.contains(axis.key) } ?? [axis.key]
            placed.formUnion(keys)
            dimensions.append(Dimension(keys: keys, length: axis.values.count))
        }
        return dimensions
    }

    /// The key as shown in ids: its last component, or the whole key when another varying axis
    /// ends the same way.
    static func short(_ key: String, among keys: [String]) -> String {
        let last = key.split(separator: ".").last.map(String.init) ?? key
        let clash = keys.filter { ($0.split(separator: ".").last.map(String.init) ?? $0) == last }.count > 1
        return clash ? key : last
    }

    /// A value as it appears in an id: a base config's file name without extension; characters
    /// other than letters, digits and `. _ + -` as `_`; at most 40 characters.
    static func idText(_ value: SweepFile.Value, key: String) -> String {
        let text =
            key == SweepFile.baseKey ? URL(fileURLWithPath: value.label).deletingPathExtension().lastPathComponent : value.label
        let safe = String(
            text.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "+", "-": return Character(scalar)
                default: return "_"
                }
            })
        return String(safe.prefix(40))
    }

    // MARK: - One run's config

    /// The config of one run: its base file with the fixed overrides, the axis values, its name
    /// and output; `${key}` in a value replaced by the run's value of `key` (an axis, a fixed key,
    /// or any key of the config it resolves to).
    static func resolve(
        _ sweep: SweepFile, axes: [(key: String, value: SweepFile.Value)], id: String, out: String,
        baseConfigs: inout [String: String]
    ) throws -> ExperimentConfig {
        let base = axes.first { $0.key == SweepFile.baseKey }?.value.label ?? sweep.base
        var assignments: [(key: String, value: SweepFile.Value, line: Int?)] = sweep.fixed.map { ($0.key, $0.value, $0.line) }
        for (key, value) in axes where key != SweepFile.baseKey {
            assignments.append((key, value, sweep.axes.first { $0.key == key }?.line))
        }
        let naming = ["name=" + JSONText.quoted("\(sweep.name)-\(id)"), "run.out=" + JSONText.quoted(out)]
        // Which line of the sweep file an override came from, for errors.
        func line(of override: String?) -> Int? {
            guard let override, let eq = override.firstIndex(of: "=") else { return nil }
            let key = String(override[..<eq])
            return assignments.first { $0.key == key }?.line
        }
        func load(_ overrides: [String]) throws -> ExperimentConfig {
            do {
                if let base { return try ExperimentConfig.load(path: base, overrides: overrides) }
                return try ExperimentConfig.load(yaml: "", file: "<defaults>", overrides: overrides)
            } catch let error as ConfigError where error.kind != .unreadable || error.file != base {
                let where_ = error.override == nil ? "\(error.file)\(error.line.map { ":\($0)" } ?? ""): " : ""
                throw ConfigError(
                    error.kind, file: sweep.path, line: line(of: error.override), keyPath: error.keyPath,
                    "\(where_)\(error.message) (run \(id))")
            } catch let error as ConfigError {
                throw ConfigError(error.kind, file: sweep.path, keyPath: SweepFile.baseKey, error.description)
            }
        }
        let templated = assignments.contains { $0.value.yaml.contains("${") }
        var resolvedTree: Node?
        if templated {
            // A first pass without the templated values gives the config keys' own values.
            let plain = assignments.filter { !$0.value.yaml.contains("${") }.map { "\($0.key)=\($0.value.yaml)" }
            resolvedTree = try Yams.compose(yaml: try load(plain + naming).resolvedYAML)
        }
        var overrides: [String] = []
        for assignment in assignments {
            var text = assignment.value.yaml
            if text.contains("${") {
                // Inside a double-quoted string a substituted value is escaped as the string is.
                let escape: (String) -> String =
                    text.hasPrefix("\"") ? { String(JSONText.quoted($0).dropFirst().dropLast()) } : { $0 }
                text = try Template.substitute(text, file: sweep.path, line: assignment.line, key: assignment.key) { name in
                    if let a = assignments.first(where: { $0.key == name }), !a.value.yaml.contains("${") {
                        return escape(a.value.label)
                    }
                    return resolvedTree.flatMap { Template.scalar(at: name, in: $0) }.map(escape)
                }
            }
            overrides.append("\(assignment.key)=\(text)")
        }
        return try load(overrides + naming)
    }
}
