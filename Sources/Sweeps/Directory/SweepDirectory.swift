import Experiments
import Foundation
import GGUF

/// A plan directory, as `gscope sweep plan` writes it and every other `gscope sweep` command
/// reads it:
///
///     DIR/sweep.yaml          the sweep file's bytes
///     DIR/configs/<id>.yaml   each run's resolved config
///     DIR/manifest.jsonl      one line per run (``ManifestEntry``), in run order
///     DIR/workdir             the absolute directory the plan was made in: config paths are
///                             relative to it, and every run starts there
///     DIR/runs/<id>/          each run's output (run.h5, checkpoint/)
///     DIR/logs/<id>.log       each run's output lines under `gscope sweep run`
///
/// The same sweep file planned into the same DIR gives the same bytes (`workdir` aside).
package struct SweepDirectory: Sendable {
    package static let sweepFileName = "sweep.yaml"
    package static let manifestName = "manifest.jsonl"
    package static let workdirName = "workdir"

    /// The directory, absolute.
    package let path: String
    /// The sweep file the plan came from.
    package let sweep: SweepFile
    /// The runs, in manifest order (entry i has index i).
    package let entries: [ManifestEntry]
    /// Where the plan was made, absolute: runs start there.
    package let workdir: String

    /// The axis keys in sweep order (`seed` last).
    package var axisKeys: [String] { sweep.axes.map(\.key) }

    /// Reads the plan in `path`. Throws ``SweepError`` (or the sweep file's ``ConfigError``) when
    /// it is not a complete plan.
    package init(path: String) throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = absolute
        let manifestPath = absolute + "/" + Self.manifestName
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw SweepError(
                file: path,
                "not a sweep plan (no \(Self.manifestName)); make one with `gscope sweep plan SWEEP.yaml --out \(path)`")
        }
        sweep = try SweepFile.load(path: absolute + "/" + Self.sweepFileName)
        workdir = try Self.readText(absolute + "/" + Self.workdirName).trimmingCharacters(in: .newlines)
        let lines = try Self.readText(manifestPath).split(separator: "\n", omittingEmptySubsequences: false)
        var entries: [ManifestEntry] = []
        for (number, line) in lines.enumerated() where !line.isEmpty {
            let entry = try ManifestEntry(
                jsonLine: String(line), axisKeys: sweep.axes.map(\.key), file: manifestPath, line: number + 1)
            guard entry.index == entries.count else {
                throw SweepError(file: manifestPath, line: number + 1, "index \(entry.index) where \(entries.count) was expected")
            }
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw SweepError(file: manifestPath, "the manifest lists no runs") }
        self.entries = entries
    }

    /// The entry with `index`, or a ``SweepError`` naming the valid range.
    package func entry(_ index: Int) throws -> ManifestEntry {
        guard entries.indices.contains(index) else {
            throw SweepError(file: path, "no run \(index): the plan has runs 0 to \(entries.count - 1)")
        }
        return entries[index]
    }

    /// A run's config file, absolute.
    package func configPath(_ entry: ManifestEntry) -> String { path + "/" + entry.config }
    /// A run's output directory, absolute.
    package func outPath(_ entry: ManifestEntry) -> String { path + "/" + entry.out }
    /// A run's run file, absolute.
    package func runFile(_ entry: ManifestEntry) -> String { outPath(entry) + "/run.h5" }
    /// Where `gscope sweep run` keeps a run's output lines.
    package func logPath(_ entry: ManifestEntry) -> String { path + "/logs/" + entry.id + ".log" }

    /// A run's planned config text.
    package func configText(of entry: ManifestEntry) throws -> String { try Self.readText(configPath(entry)) }

    /// A run's planned config.
    package func plannedConfig(_ entry: ManifestEntry) throws -> ExperimentConfig {
        try ExperimentConfig.load(yaml: try configText(of: entry), file: configPath(entry))
    }

    /// Where a run stands now: finished (complete or diverged) or not, and why.
    package func state(of entry: ManifestEntry) -> RunState {
        RunState.of(runFile: runFile(entry), planned: try? plannedConfig(entry))
    }

    // MARK: - Writing a plan

    /// Writes `plan` into `directory` (as the user wrote it; the plan's runs write under it).
    /// A directory that already holds another plan is refused unless `replace`, which rewrites
    /// the plan files and leaves `runs/` alone: a run whose config changed is redone, since its
    /// run file's config no longer matches. Configs first, the manifest last: a manifest means a
    /// whole plan.
    package static func write(_ plan: SweepPlan, to directory: String, replace: Bool) throws {
        let manager = FileManager.default
        let entries = plan.runs.map { run in
            ManifestEntry(
                index: run.index, id: run.id,
                axes: run.axes.map { ManifestEntry.Axis(key: $0.key, value: $0.value.label) },
                config: "configs/\(run.id).yaml", out: "runs/\(run.id)")
        }
        let manifest = entries.map(\.jsonLine).joined(separator: "\n") + "\n"
        let manifestPath = directory + "/" + manifestName
        if let old = try? String(contentsOfFile: manifestPath, encoding: .utf8), old != manifest, !replace {
            throw SweepError(
                file: directory, "holds the plan of another sweep (its manifest differs); choose another --out or pass --force")
        }
        do {
            try manager.createDirectory(atPath: directory + "/configs", withIntermediateDirectories: true)
            if replace, let old = try? manager.contentsOfDirectory(atPath: directory + "/configs") {
                let kept = Set(entries.map { URL(fileURLWithPath: $0.config).lastPathComponent })
                for name in old where name.hasSuffix(".yaml") && !kept.contains(name) {
                    try manager.removeItem(atPath: directory + "/configs/" + name)
                }
            }
            try Data(plan.sweep.text.utf8).write(to: URL(fileURLWithPath: directory + "/" + sweepFileName), options: .atomic)
            try Data((manager.currentDirectoryPath + "\n").utf8).write(
                to: URL(fileURLWithPath: directory + "/" + workdirName), options: .atomic)
            for (run, entry) in zip(plan.runs, entries) {
                try Data(run.config.resolvedYAML.utf8).write(
                    to: URL(fileURLWithPath: directory + "/" + entry.config), options: .atomic)
            }
            try Data(manifest.utf8).write(to: URL(fileURLWithPath: manifestPath), options: .atomic)
        } catch let error where FileErrorText.parts(of: error) != nil {
            throw SweepError(file: directory, "cannot write the plan: \(FileErrorText.line(error))")
        }
    }

    static func readText(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SweepError(file: path, "cannot read (\(FileErrorText.cause(error)))")
        }
    }
}
