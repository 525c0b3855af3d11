import Foundation
import Store

/// The structure of a sweep file (`sweep.h5`, the layout of `gscope sweep collect`), checked
/// before any of its numbers is read, so that `gscope plot` gives a one-line ``RunFileError``
/// naming the dataset on a damaged or hand-edited file instead of trapping or exhausting memory.
///
/// With R runs (`/runs/id`), S recorded-step columns (`/steps`) and E evaluation columns
/// (`/eval/steps`), ``check(_:)`` requires, in this order:
/// - the root attribute `file_kind` = `gscope-sweep` and the string array `axes`;
/// - **extents**: each dataset's declared bytes (overflow-checked) are backed by what the file
///   stores for it, allowing for deflate's largest ratio (1032:1) and 1 MiB;
/// - **shapes and types**: `/runs/id`, `/runs/status` (and `/runs/objective`, `/runs/config`)
///   [R] strings; `/axes/<key>` for every axis, [R] numbers or strings with a string-array
///   attribute `levels` holding every value; `/steps` and `/eval/steps` [R, S] and [R, E] whole
///   numbers from 0 to ``RunFileLayout/maximumStep``, padded at the end with −1;
///   `/risk/<set>`, `/geffect/<set>/total` and `/geffect/<set>/term/<term>` [R, S],
///   `/geffect/<set>/group` [R, S, G] with G names, `/weights/instance_quantiles` [R, S, 5],
///   `/eval/<metric>` [R, E] and `/final/<name>` [R], all numbers. Other datasets are ignored.
struct SweepFileLayout {
    /// The root attribute `file_kind` of a sweep file.
    static let fileKind = "gscope-sweep"
    /// How many groups and datasets a sweep file may hold.
    static let maximumObjects = 1_000_000
    /// How deep groups may nest (a sweep file nests four deep).
    static let maximumDepth = 16

    /// R, the number of runs.
    let runCount: Int
    /// The axis keys (root attribute `axes`).
    let axisKeys: [String]
    /// Each axis's `levels`.
    let levels: [String: [String]]
    /// Each run's recorded steps, without the padding.
    let steps: [[Int]]
    /// Each run's evaluated steps, without the padding.
    let evalSteps: [[Int]]
    /// The members of `/risk`, of `/geffect` with a `total`, of `/eval` besides `steps`, of `/final`.
    let riskSets: [String], geffectSets: [String], evalMetrics: [String], finalNames: [String]

    private let shapes: [String: [Int]]
    private let types: [String: H5ElementType]

    /// Checks the open file `file`.
    static func check(_ file: H5File) throws -> SweepFileLayout {
        let path = file.path
        func failure(_ object: String, _ problem: String) -> RunFileError {
            RunFileError(file: path, object: object, problem: problem)
        }
        let root = file.root
        guard root.hasAttribute("file_kind") else {
            throw failure("/", "has no attribute file_kind: not a sweep file (gscope sweep collect writes sweep.h5)")
        }
        let kind = try root.stringAttribute("file_kind")
        guard kind == fileKind else { throw failure("/", "attribute file_kind is \"\(kind)\", not \(fileKind)") }
        guard root.hasAttribute("axes") else { throw failure("/", "has no attribute axes (the axis keys)") }
        let axisKeys = try root.stringArrayAttribute("axes")
        if let bad = axisKeys.first(where: { $0.isEmpty || $0.contains("/") }) {
            throw failure("/", "attribute axes holds \"\(bad)\", which is no axis key")
        }
        if let repeated = axisKeys.first(where: { key in axisKeys.filter { $0 == key }.count > 1 }) {
            throw failure("/", "attribute axes names \(repeated) twice")
        }

        var walk = Walk(path: path, fileSize: RunFileLayout.fileSize(path))
        try walk.visit(root, depth: 0)
        let shapes = walk.shapes, types = walk.types

        func members(_ group: String, where keep: (String) -> Bool = { _ in true }) -> [String] {
            let prefix = "/\(group)/"
            return Set(
                shapes.keys.compactMap { key -> String? in
                    guard key.hasPrefix(prefix) else { return nil }
                    let name = String(key.dropFirst(prefix.count))
                    return keep(name) ? name : nil
                }
            ).sorted()
        }
        func require(_ object: String, numbers: Bool, shape expected: [Int?], _ meaning: String) throws {
            guard let shape = shapes[object] else { throw failure(object, "is missing") }
            if numbers {
                guard let type = types[object], type != .string else {
                    throw failure(object, "holds \(types[object]?.description ?? "an unsupported type"), not numbers")
                }
            } else if types[object] != .string {
                throw failure(object, "holds \(types[object]?.description ?? "an unsupported type"), not strings")
            }
            let fits = shape.count == expected.count && zip(shape, expected).allSatisfy { $1 == nil || $0 == $1 }
            guard fits else {
                let dimensions = "[" + shape.map(String.init).joined(separator: ", ") + "]"
                throw failure(object, "has shape \(dimensions), expected \(meaning)")
            }
        }

        try require("/runs/id", numbers: false, shape: [nil], "[R], one id per run")
        let runCount = shapes["/runs/id"]![0]
        let runs = "R = \(runCount) runs of /runs/id"
        for name in ["status", "objective", "config"] where name == "status" || shapes["/runs/\(name)"] != nil {
            try require("/runs/\(name)", numbers: false, shape: [runCount], "[\(runCount)] (\(runs))")
        }

        let stepColumns = shapes["/steps"].flatMap { $0.count == 2 ? $0[1] : nil } ?? 0
        let evalColumns = shapes["/eval/steps"].flatMap { $0.count == 2 ? $0[1] : nil } ?? 0
        let perStep = "[\(runCount), \(stepColumns)] (\(runs), S = \(stepColumns) columns of /steps)"
        let perEval = "[\(runCount), \(evalColumns)] (\(runs), E = \(evalColumns) columns of /eval/steps)"
        if shapes["/steps"] != nil { try require("/steps", numbers: true, shape: [runCount, nil], "[R, S] with \(runs)") }
        if shapes["/eval/steps"] != nil {
            try require("/eval/steps", numbers: true, shape: [runCount, nil], "[R, E] with \(runs)")
        }
        let riskSets = members("risk")
        for set in riskSets { try require("/risk/\(set)", numbers: true, shape: [runCount, stepColumns], perStep) }
        for name in members("geffect") {
            let parts = name.split(separator: "/").map(String.init)
            if parts.count == 2, parts[1] == "total" || parts[1] == "group" {
                try require(
                    "/geffect/\(name)", numbers: true, shape: [runCount, stepColumns] + (parts[1] == "group" ? [nil] : []),
                    parts[1] == "group" ? "[R, S, G] with \(perStep)" : perStep)
            } else if parts.count == 3, parts[1] == "term" {
                try require("/geffect/\(name)", numbers: true, shape: [runCount, stepColumns], perStep)
            }
        }
        let geffectSets = members("geffect") { $0.hasSuffix("/total") && $0.split(separator: "/").count == 2 }
            .map { String($0.dropLast("/total".count)) }
        if shapes["/weights/instance_quantiles"] != nil {
            try require(
                "/weights/instance_quantiles", numbers: true, shape: [runCount, stepColumns, 5], "[R, S, 5] with \(perStep)")
        }
        let evalMetrics = members("eval") { $0 != "steps" && !$0.contains("/") }
        for metric in evalMetrics { try require("/eval/\(metric)", numbers: true, shape: [runCount, evalColumns], perEval) }
        let finalNames = members("final") { !$0.contains("/") }
        for name in finalNames { try require("/final/\(name)", numbers: true, shape: [runCount], "[\(runCount)] (\(runs))") }

        var levels: [String: [String]] = [:]
        for key in axisKeys {
            let object = "/axes/\(key)"
            guard let type = types[object] else { throw failure(object, "is missing (an axis of the root attribute axes)") }
            try require(object, numbers: type != .string, shape: [runCount], "[\(runCount)] (\(runs))")
            let dataset = try root.dataset(String(object.dropFirst()))
            guard dataset.hasAttribute("levels") else { throw failure(object, "has no attribute levels") }
            levels[key] = try dataset.stringArrayAttribute("levels")
        }

        for name in members("geffect") where name.hasSuffix("/group") && name.split(separator: "/").count == 2 {
            let dataset = try root.dataset("geffect/\(name)")
            guard dataset.hasAttribute("names") else { continue }
            let names = try dataset.stringArrayAttribute("names"), columns = shapes["/geffect/\(name)"]![2]
            guard names.count == columns else {
                throw failure("/geffect/\(name)", "has \(columns) groups but \(names.count) group names")
            }
        }

        let reader = NumberReader(root: root)
        func stepRows(_ object: String) throws -> [[Int]] {
            guard shapes[object] != nil else { return Array(repeating: [], count: runCount) }
            let matrix = try reader.matrix(String(object.dropFirst()), rows: runCount)!
            return try (0..<matrix.rows).map { r in
                var steps: [Int] = []
                for (column, value) in matrix.row(r).enumerated() where value != -1 {
                    guard column == steps.count else {
                        throw failure(object, "holds \(value) at [\(r), \(column)] after the padding -1")
                    }
                    guard value.isFinite, value == value.rounded(), value >= 0, value <= Double(RunFileLayout.maximumStep)
                    else {
                        throw failure(
                            object,
                            "holds \(value) at [\(r), \(column)]; a step is a whole number from 0 to "
                                + "\(RunFileLayout.maximumStep), padded at the end with -1")
                    }
                    steps.append(Int(value))
                }
                return steps
            }
        }
        let layout = SweepFileLayout(
            runCount: runCount, axisKeys: axisKeys, levels: levels, steps: try stepRows("/steps"),
            evalSteps: try stepRows("/eval/steps"), riskSets: riskSets, geffectSets: geffectSets, evalMetrics: evalMetrics,
            finalNames: finalNames, shapes: shapes, types: types)
        for key in axisKeys { _ = try layout.axisStrings(key, in: file) }
        return layout
    }

    /// Every run's value of axis `key` as one of its levels: a string axis as stored, a numeric
    /// axis as the level that parses to the stored number. Throws when a value is no level.
    func axisStrings(_ key: String, in file: H5File) throws -> [String] {
        let object = "/axes/\(key)", levels = levels[key] ?? []
        let mismatch = { (row: Int, value: String) in
            RunFileError(
                file: file.path, object: object,
                problem: "holds \(value) at row \(row), which is not one of its levels [\(levels.joined(separator: ", "))]")
        }
        if types[object] == .string {
            let values = try file.root.readStrings(String(object.dropFirst()))
            if let row = values.firstIndex(where: { !levels.contains($0) }) { throw mismatch(row, "\"\(values[row])\"") }
            return values
        }
        let numbers = try NumberReader(root: file.root).numbers(String(object.dropFirst())).values
        let parsed = levels.map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return try numbers.enumerated().map { row, value in
            guard let level = parsed.firstIndex(where: { $0 == value }) else { throw mismatch(row, "\(value)") }
            return levels[level]
        }
    }

    /// Visits every group and dataset, recording their shapes and types after checking that each
    /// dataset's declared bytes are backed by the file.
    private struct Walk {
        let path: String
        let fileSize: Int
        var shapes: [String: [Int]] = [:]
        var types: [String: H5ElementType] = [:]
        var objects = 0

        mutating func visit(_ group: H5Group, depth: Int) throws {
            guard depth <= maximumDepth else {
                throw RunFileError(file: path, object: group.path, problem: "nests groups deeper than \(maximumDepth) levels")
            }
            for name in try group.memberNames() {
                objects += 1
                guard objects <= maximumObjects else {
                    throw RunFileError(file: path, object: "/", problem: "holds more than \(maximumObjects) groups and datasets")
                }
                switch try group.kind(of: name) {
                case .group: try visit(try group.group(name), depth: depth + 1)
                case .dataset: try record(try group.dataset(name))
                case .other: continue
                }
            }
        }

        mutating func record(_ dataset: H5Dataset) throws {
            let extent = try dataset.extent()
            let dimensions = "[" + extent.dimensions.map(String.init).joined(separator: ", ") + "]"
            guard let bytes = extent.byteCount, extent.dimensions.allSatisfy({ $0 <= UInt64(Int.max) }) else {
                throw RunFileError(
                    file: path, object: dataset.path,
                    problem: "declares \(dimensions) elements of \(extent.elementSize) bytes, more than any file holds")
            }
            let stored = min(extent.storedByteCount, fileSize)
            let (expanded, overflow) = stored.multipliedReportingOverflow(by: RunFileLayout.deflateRatio)
            guard overflow || bytes <= expanded + (1 << 20) else {
                throw RunFileError(
                    file: path, object: dataset.path,
                    problem: "declares \(dimensions) elements (\(bytes) bytes) but the file stores \(stored) bytes of it")
            }
            shapes[dataset.path] = extent.dimensions.map { Int($0) }
            if let type = try dataset.elementType() { types[dataset.path] = type }
        }
    }
}
