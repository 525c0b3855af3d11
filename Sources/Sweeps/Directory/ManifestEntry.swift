import Foundation
import NumericCore

/// One line of a plan's `manifest.jsonl`: a run's index, id, axis values and where its config
/// and output are, relative to the plan directory:
///
///     {"index":0,"id":"0000-name=npo-seed=0","axes":{"objective.forget.name":"npo","seed":"0"},"config":"configs/0000-name=npo-seed=0.yaml","out":"runs/0000-name=npo-seed=0"}
package struct ManifestEntry: Sendable, Equatable {
    /// The run's place in the manifest, from 0 (a Slurm array index, a GNU parallel argument).
    package let index: Int
    package let id: String
    /// The run's value of every axis, in axis order (`seed` last), as text.
    package let axes: [Axis]
    /// The config file, relative to the plan directory.
    package let config: String
    /// The output directory, relative to the plan directory.
    package let out: String

    /// An axis key and the run's value of it.
    package struct Axis: Sendable, Equatable {
        package let key: String
        package let value: String

        package init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    package init(index: Int, id: String, axes: [Axis], config: String, out: String) {
        self.index = index
        self.id = id
        self.axes = axes
        self.config = config
        self.out = out
    }

    /// The entry as one JSON line (without the newline): keys in a fixed order, so that the same
    /// plan gives the same bytes.
    package var jsonLine: String {
        let axisText = axes.map { JSONText.quoted($0.key) + ":" + JSONText.quoted($0.value) }.joined(separator: ",")
        return "{\"index\":\(index),\"id\":\(JSONText.quoted(id)),\"axes\":{\(axisText)},"
            + "\"config\":\(JSONText.quoted(config)),\"out\":\(JSONText.quoted(out))}"
    }

    /// Reads one manifest line whose axes are `axisKeys` (the plan's sweep file gives their
    /// order); `file` and `line` label the error.
    package init(jsonLine text: String, axisKeys: [String], file: String, line: Int) throws {
        func bad(_ what: String) -> SweepError { SweepError(file: file, line: line, what) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let index = object["index"] as? Int, index >= 0 else { throw bad("index: expected an integer ≥ 0") }
        guard let id = object["id"] as? String, Self.isSafe(id) else {
            throw bad("id: expected a run id (letters, digits, . _ + - =)")
        }
        guard let config = object["config"] as? String, let out = object["out"] as? String,
            Self.isInside(config), Self.isInside(out)
        else { throw bad("config, out: expected paths inside the plan directory") }
        guard let axes = object["axes"] as? [String: String], Set(axes.keys) == Set(axisKeys) else {
            throw bad("axes: expected an object of strings with the sweep's axes (\(axisKeys.joined(separator: ", ")))")
        }
        self.init(index: index, id: id, axes: axisKeys.map { Axis(key: $0, value: axes[$0]!) }, config: config, out: out)
    }

    /// Whether `id` is a run id: non-empty, of the characters ids are made of, not `.` or `..`.
    static func isSafe(_ id: String) -> Bool {
        !id.isEmpty && id != "." && id != ".."
            && id.unicodeScalars.allSatisfy {
                switch $0 {
                case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "+", "-", "=": return true
                default: return false
                }
            }
    }

    /// Whether a relative path stays inside the plan directory (no `/` at the start, no `..`).
    static func isInside(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }
}
