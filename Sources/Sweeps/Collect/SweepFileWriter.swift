import Experiments
import Figures
import Foundation
import Store

/// Writes a ``SweepCollection`` as `sweep.h5` (docs/sweep-file.md): R runs in manifest order,
/// S the most recorded steps and E the most evaluations of any run; padding is NaN for floats and
/// −1 for integers.
///
/// The file holds no timestamp, host name or thread count, and Store writes no object times, so
/// the same runs give the same bytes whichever launcher ran them. It is written beside the target
/// as `<path>.partial-<pid>` and renamed over it when complete, so a reader never sees half a file
/// and two collections at once (say, one during a run and one after it) cannot write into each
/// other's; the last rename wins, and both files are whole.
package enum SweepFileWriter {
    /// The root attribute `file_kind` of a sweep file.
    package static let fileKind = "gscope-sweep"

    /// Writes `collection` to `path`, replacing any file there.
    package static func write(_ collection: SweepCollection, to path: String) throws {
        let partial = path + ".partial-\(getpid())"
        let file = try H5File.create(partial)
        do {
            try write(collection, into: file.root)
            try file.close()
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: reason])
        }
    }

    /// Writes every group, dataset and attribute, always in the same order.
    static func write(_ c: SweepCollection, into root: H5Group) throws {
        let runs = c.runs, r = runs.count, s = c.stepCount, e = c.evalCount
        try root.setAttribute("file_kind", fileKind)
        try root.setAttribute("gscope_version", gscopeVersion)
        try root.setAttribute("sweep", c.sweepText)
        try root.setAttribute("axes", c.axisKeys)

        try root.write("runs/id", runs.map(\.plan.id))
        try root.write("runs/status", runs.map(\.status))
        try root.write("runs/objective", runs.map(\.objective))
        try root.write("runs/config", runs.map(\.plan.configText))

        for key in c.axisKeys {
            let values = runs.map { run in run.plan.axes.first { $0.key == key }?.value ?? "" }
            let numbers = values.map { Double($0) }
            let dataset: H5Dataset
            if numbers.allSatisfy({ $0?.isFinite == true }) {
                dataset = try root.write("axes/" + key, numbers.map { $0! })
            } else {
                dataset = try root.write("axes/" + key, values)
            }
            var levels: [String] = []
            for value in values where !levels.contains(value) { levels.append(value) }
            try dataset.setAttribute("levels", levels)
        }

        try root.write("steps", paddedSteps(runs.map { $0.numbers?.steps }, width: s), shape: [r, s])
        for set in c.riskSets {
            try root.write("risk/" + set, padded(runs.map { $0.numbers?.risk[set] }, width: s), shape: [r, s])
        }
        for set in c.geffectSets {
            let group = "geffect/\(set)/"
            try root.write(group + "total", padded(runs.map { $0.numbers?.geffectTotal[set] }, width: s), shape: [r, s])
            if !c.groupNames.isEmpty, runs.contains(where: { $0.numbers?.geffectGroups[set] != nil }) {
                let g = c.groupNames.count
                var values = [Double](repeating: .nan, count: r * s * g)
                for (i, run) in runs.enumerated() {
                    guard let numbers = run.numbers, let matrix = numbers.geffectGroups[set] else { continue }
                    for (column, name) in numbers.groupNames.enumerated() where column < matrix.columns {
                        guard let k = c.groupNames.firstIndex(of: name) else { continue }
                        for row in 0..<matrix.rows { values[(i * s + row) * g + k] = matrix[row, column] }
                    }
                }
                try root.write(group + "group", values, shape: [r, s, g]).setAttribute("names", c.groupNames)
            }
            for (term, vectors) in [
                ("forget", runs.map { $0.numbers?.geffectTermForget[set] }),
                ("retain", runs.map { $0.numbers?.geffectTermRetain[set] }),
            ]
            where vectors.contains(where: { $0 != nil }) {
                try root.write(group + "term/" + term, padded(vectors, width: s), shape: [r, s])
            }
        }

        let levels = SweepCollection.weightQuantileLevels
        var quantiles = [Double](repeating: .nan, count: r * s * levels.count)
        for (i, run) in runs.enumerated() {
            guard let matrix = run.numbers?.weightQuantiles else { continue }
            for (offset, value) in matrix.values.enumerated() { quantiles[i * s * levels.count + offset] = value }
        }
        try root.write("weights/instance_quantiles", quantiles, shape: [r, s, levels.count]).setAttribute("q", levels)

        try root.write("eval/steps", paddedSteps(runs.map { $0.numbers?.evalSteps }, width: e), shape: [r, e])
        for metric in c.evalMetrics {
            try root.write("eval/" + metric, padded(runs.map { $0.numbers?.evalMetrics[metric] }, width: e), shape: [r, e])
        }

        let finals = c.finalColumns
        let final = try root.createGroup("final")
        try final.setAttribute("names", finals.map(\.name))
        for column in finals { try final.write(column.name, column.values) }
    }

    /// The rows laid end to end, each cut or padded with NaN to `width` (a missing row: all NaN).
    static func padded(_ rows: [[Double]?], width: Int) -> [Double] {
        rows.flatMap { row in
            let values = (row ?? []).prefix(width)
            return Array(values) + [Double](repeating: .nan, count: width - values.count)
        }
    }

    /// Step rows as int64, padded with −1 to `width`.
    static func paddedSteps(_ rows: [[Int]?], width: Int) -> [Int64] {
        rows.flatMap { row in
            let values = (row ?? []).prefix(width).map(Int64.init)
            return values + [Int64](repeating: -1, count: width - values.count)
        }
    }
}
