import Foundation
import Store

/// The structure of a run file (docs/run-file.md), checked once before any of its numbers is
/// read, so that `gscope plot` and `gscope inspect` give a clean ``RunFileError`` on a damaged or
/// hand-edited file instead of trapping or exhausting memory.
///
/// ``check(_:)`` visits every dataset and checks, in this order:
/// - **extents**: the bytes a dataset declares (its dimensions times its element size,
///   overflow-checked) must be backed by what the file stores for it, allowing for deflate's
///   largest ratio (1032:1) and one pending row of a run still being written (at most 64 MiB);
///   a tiny file cannot make a reader allocate terabytes;
/// - **steps**: `/steps`, `/train/step` and `/eval/steps` are 1-D numbers, each a whole number
///   from 0 to ``maximumStep`` (no NaN, no 1e300);
/// - **rows**: every per-step dataset (`/loss`, `/risk`, `/geffect`, `/pgeffect`,
///   `/update_effect`, `/weights`, `/instance_nll`) has a row for every entry of `/steps`, every
///   `/train` dataset one for every `/train/step`, every 1-D metric of `/eval` one for every
///   `/eval/steps`; more rows are fine (a live run writes them before their step);
/// - **ranks and types**: those datasets hold numbers, with the rank docs/run-file.md gives;
/// - **widths**: the instance count N, the position count T and the tensor count P agree across
///   the datasets that have them, and a layer-group table has as many columns as group names.
package struct RunFileLayout: Sendable {
    /// The file as the caller named it.
    package let path: String
    /// The shape of every dataset, by absolute path (`/geffect/forget/total`).
    package let shapes: [String: [Int]]
    /// `/steps` ([] when absent).
    package let steps: [Int]
    /// `/train/step` ([] when absent).
    package let trainSteps: [Int]
    /// `/eval/steps`, or nil when absent.
    package let evalSteps: [Int]?
    /// `/interference/steps` ([] when absent).
    package let interferenceSteps: [Int]

    /// The largest step number accepted: far beyond any real run, far from overflowing.
    package static let maximumStep = 1 << 40
    /// How deep groups may nest (a run file nests four deep; deeper is a loop of links).
    package static let maximumDepth = 16
    /// How many groups and datasets a file may hold.
    package static let maximumObjects = 100_000
    /// deflate's largest compression ratio: no deflated chunk holds more than this many bytes per
    /// stored byte.
    static let deflateRatio = 1032
    /// The most a dataset may declare beyond its stored bytes: one row of a step being written,
    /// at least 1 MiB (a chunk), at most 64 MiB.
    static let pendingRowBytes = (1 << 20)...(64 << 20)

    /// Opens `path` read-only and checks it.
    package static func check(path: String) throws -> RunFileLayout {
        try reading(path) { _, layout in layout }
    }

    /// Opens `path` read-only, checks it and gives both to `body`, then closes the file.
    ///
    /// A file whose per-step datasets have fewer rows than their steps is opened and checked
    /// once more after 20 ms: a reader of a run being written can catch the file's metadata half
    /// flushed, a dataset's new row not yet there although its step is. A damaged file gives the
    /// same error again.
    package static func reading<T>(_ path: String, _ body: (H5File, RunFileLayout) throws -> T) throws -> T {
        var attempt = 0
        while true {
            let file = try H5File.open(path)
            defer { try? file.close() }
            do {
                return try body(file, try check(file))
            } catch let error as RunFileError where error.isRowShortfall && attempt < 1 {
                attempt += 1
                usleep(20_000)
            }
        }
    }

    /// Checks the open run file `file`. Throws ``RunFileError`` for a file whose datasets do not
    /// fit together, `StoreError` for one HDF5 cannot read.
    package static func check(_ file: H5File) throws -> RunFileLayout {
        var walk = Walk(file: file, fileSize: Self.fileSize(file.path))
        try walk.visit(file.root, depth: 0)
        let structure = Structure(file: file, shapes: walk.shapes, types: walk.types)
        let steps = try structure.stepVector("/steps") ?? []
        let trainSteps = try structure.stepVector("/train/step") ?? []
        let evalSteps = try structure.stepVector("/eval/steps")
        let interferenceSteps = try structure.stepVector("/interference/steps") ?? []
        try structure.checkRows(
            steps: steps.count, trainSteps: trainSteps.count, evalSteps: evalSteps?.count,
            interferenceSteps: interferenceSteps.count)
        try structure.checkWidths()
        return RunFileLayout(
            path: file.path, shapes: walk.shapes, steps: steps, trainSteps: trainSteps, evalSteps: evalSteps,
            interferenceSteps: interferenceSteps)
    }

    /// The size of the file at `path` in bytes (0 when it cannot be told).
    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Visits every group and dataset, checking each dataset's extent.
    private struct Walk {
        let file: H5File
        let fileSize: Int
        var shapes: [String: [Int]] = [:]
        var types: [String: H5ElementType] = [:]
        var objects = 0

        mutating func visit(_ group: H5Group, depth: Int) throws {
            guard depth <= maximumDepth else {
                throw RunFileError(
                    file: file.path, object: group.path, problem: "nests groups deeper than \(maximumDepth) levels")
            }
            for name in try group.memberNames() {
                objects += 1
                guard objects <= maximumObjects else {
                    throw RunFileError(
                        file: file.path, object: "/", problem: "holds more than \(maximumObjects) groups and datasets")
                }
                switch try group.kind(of: name) {
                case .group: try visit(try group.group(name), depth: depth + 1)
                case .dataset: try check(try group.dataset(name))
                case .other: continue
                }
            }
        }

        /// Records the dataset's shape and type after checking that its declared bytes are backed.
        mutating func check(_ dataset: H5Dataset) throws {
            let extent = try dataset.extent()
            let dimensions = "[" + extent.dimensions.map(String.init).joined(separator: ", ") + "]"
            guard let bytes = extent.byteCount, extent.dimensions.allSatisfy({ $0 <= UInt64(Int.max) }) else {
                throw RunFileError(
                    file: file.path, object: dataset.path,
                    problem: "declares \(dimensions) elements of \(extent.elementSize) bytes, more than any file holds")
            }
            let rows = extent.dimensions.first.map { Int($0) } ?? 1
            let rowBytes = rows > 0 ? bytes / rows : 0
            let pending = min(max(rowBytes, pendingRowBytes.lowerBound), pendingRowBytes.upperBound)
            let stored = min(extent.storedByteCount, fileSize)
            let (expanded, overflow) = stored.multipliedReportingOverflow(by: deflateRatio)
            let allowance = overflow ? Int.max : expanded.addingReportingOverflow(pending).overflow ? Int.max : expanded + pending
            guard bytes <= allowance else {
                throw RunFileError(
                    file: file.path, object: dataset.path,
                    problem: "declares \(dimensions) elements (\(bytes) bytes) but the file stores \(stored) bytes of it")
            }
            shapes[dataset.path] = extent.dimensions.map { Int($0) }
            if let type = try dataset.elementType() { types[dataset.path] = type }
        }
    }

    /// The checks between datasets, on the shapes and types the walk found.
    private struct Structure {
        let file: H5File
        let shapes: [String: [Int]]
        let types: [String: H5ElementType]

        func error(_ object: String, _ problem: String) -> RunFileError {
            RunFileError(file: file.path, object: object, problem: problem)
        }

        /// Throws unless the dataset at `path` holds numbers in `ranks` dimensions.
        func requireNumbers(_ path: String, ranks: ClosedRange<Int>) throws {
            guard let shape = shapes[path] else { return }
            guard let type = types[path], type != .string else {
                throw error(path, "holds \(types[path]?.description ?? "an unsupported type"), not numbers")
            }
            guard ranks.contains(shape.count) else {
                let expected = ranks.count == 1 ? "\(ranks.lowerBound)" : "\(ranks.lowerBound) to \(ranks.upperBound)"
                throw error(path, "has \(shape.count) dimensions \(shape), expected \(expected)")
            }
        }

        /// The steps in the 1-D dataset at `path`, or nil when it is absent; each must be a
        /// whole number from 0 to ``maximumStep``.
        func stepVector(_ path: String) throws -> [Int]? {
            guard shapes[path] != nil else { return nil }
            try requireNumbers(path, ranks: 1...1)
            let values = try NumberReader(root: file.root).numbers(String(path.dropFirst())).values
            return try values.enumerated().map { row, value in
                guard value.isFinite, value == value.rounded(), value >= 0, value <= Double(maximumStep) else {
                    throw error(path, "holds \(value) at row \(row); a step is a whole number from 0 to \(maximumStep)")
                }
                return Int(value)
            }
        }

        /// The rank of a per-step dataset by its name (nil: any rank of at least 1).
        static func perStepRank(_ path: String) -> Int? {
            switch path {
            case "/weights/instance", "/instance_nll": return 2
            case "/weights/token": return 3
            default: break
            }
            switch path.split(separator: "/").last.map(String.init) ?? "" {
            case "total", "value", "grad_norm2", "forget", "retain", "tied_input", "tied_output": return 1
            case "tensor", "block", "group", "instance", "block_rest": return 2
            case "token", "refusal_token", "head", "mlp_group": return 3
            default: return nil
            }
        }

        static let perStepRoots = ["/loss/", "/risk/", "/geffect/", "/pgeffect/", "/update_effect/", "/weights/"]

        /// Every per-step, `/train`, `/eval` and `/interference` dataset has a row for each of its
        /// steps.
        func checkRows(steps: Int, trainSteps: Int, evalSteps: Int?, interferenceSteps: Int) throws {
            for path in shapes.keys.sorted() {
                if path.hasPrefix("/interference/"), path != "/interference/steps" {
                    let rank = path.hasSuffix("/token") ? 4 : 3
                    try requireNumbers(path, ranks: rank...rank)
                    try requireRows(path, interferenceSteps, of: "/interference/steps")
                } else if Self.perStepRoots.contains(where: path.hasPrefix) || path == "/instance_nll" {
                    let rank = Self.perStepRank(path)
                    try requireNumbers(path, ranks: rank.map { $0...$0 } ?? 1...8)
                    try requireRows(path, steps, of: "/steps")
                } else if path.hasPrefix("/train/"), path != "/train/step" {
                    let rank = ["/train/forget_index", "/train/instance_weight"].contains(path) ? 2 : 1
                    try requireNumbers(path, ranks: rank...rank)
                    try requireRows(path, trainSteps, of: "/train/step")
                } else if let evalSteps, path.hasPrefix("/eval/"), path != "/eval/steps",
                    path.dropFirst("/eval/".count).contains("/") == false,
                    types[path] != .string, shapes[path]?.count == 1
                {
                    try requireNumbers(path, ranks: 1...1)
                    try requireRows(path, evalSteps, of: "/eval/steps")
                }
            }
        }

        func requireRows(_ path: String, _ count: Int, of steps: String) throws {
            let rows = shapes[path]?.first ?? 0
            guard rows >= count else {
                throw RunFileError(
                    file: file.path, object: path, problem: "has \(rows) rows, \(steps) has \(count)", isRowShortfall: true)
            }
        }

        /// The instance count N, the position count T and the tensor count P agree wherever they
        /// appear; the layer-group tables have one column per group name; the forget data is 2-D.
        func checkWidths() throws {
            let sets = Set(
                shapes.keys.compactMap { path -> String? in
                    let parts = path.split(separator: "/")
                    return parts.count >= 3 && ["geffect", "pgeffect", "update_effect", "risk"].contains(String(parts[0]))
                        ? String(parts[1]) : nil
                }
            ).sorted()
            try requireNumbers("/data/forget/tokens", ranks: 2...2)
            try requireNumbers("/data/forget/mask", ranks: 2...2)
            try requireNumbers("/model/tensor_block", ranks: 1...1)
            for path in ["/data/forget/group", "/model/tensor_names"] {
                if let shape = shapes[path], types[path] != .string || shape.count != 1 {
                    throw error(path, "should be a 1-D list of strings")
                }
            }
            var instances: [(String, Int)] = [], positions: [(String, Int)] = [], tensors: [(String, Int)] = []
            func width(_ path: String, _ dimension: Int, into list: inout [(String, Int)]) {
                if let shape = shapes[path], shape.count > dimension { list.append((path, shape[dimension])) }
            }
            for set in sets {
                for name in ["/geffect/\(set)/instance", "/pgeffect/\(set)/instance"] { width(name, 1, into: &instances) }
                for name in ["/geffect/\(set)/token", "/geffect/\(set)/refusal_token"] {
                    width(name, 1, into: &instances)
                    width(name, 2, into: &positions)
                }
                for name in ["/geffect/\(set)/tensor", "/update_effect/\(set)/tensor"] { width(name, 1, into: &tensors) }
            }
            width("/weights/instance", 1, into: &instances)
            width("/instance_nll", 1, into: &instances)
            width("/weights/token", 1, into: &instances)
            width("/weights/token", 2, into: &positions)
            for name in ["/data/forget/tokens", "/data/forget/mask"] {
                width(name, 0, into: &instances)
                width(name, 1, into: &positions)
            }
            width("/data/forget/group", 0, into: &instances)
            for name in ["/model/tensor_names", "/model/tensor_block", "/model/tensor_group"] { width(name, 0, into: &tensors) }
            for (list, what) in [(instances, "instances"), (positions, "positions"), (tensors, "tensors")] {
                guard let (first, count) = list.first else { continue }
                if let (other, otherCount) = list.first(where: { $0.1 != count }) {
                    throw error(other, "has \(otherCount) \(what), \(first) has \(count)")
                }
            }
            for set in sets {
                let path = "/geffect/\(set)/group"
                guard let shape = shapes[path], shape.count == 2, file.root.contains(String(path.dropFirst())) else { continue }
                let dataset = try file.root.dataset(String(path.dropFirst()))
                guard dataset.hasAttribute("names") else { continue }
                let names = try dataset.stringArrayAttribute("names")
                guard names.count == shape[1] else {
                    throw error(path, "has \(shape[1]) columns but \(names.count) group names")
                }
            }
        }
    }
}
