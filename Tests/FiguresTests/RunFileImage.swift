import CHDF5
import Foundation
import Store

/// A run file held in memory, to be written back with edits: renamed groups, hostile names and
/// attributes, shortened or reshaped datasets, bad steps (the gnuplot-safety and damaged-file
/// tests). Everything is read and written through Store's public API, except
/// ``declareHugeExtent(of:rows:)``, which needs HDF5 itself.
struct RunFileImage {
    /// A dataset's elements, in their stored type.
    enum Elements {
        case float64([Double]), float32([Float]), int64([Int64]), int32([Int32]), uint8([UInt8]), strings([String])

        /// The elements as numbers (strings: none).
        var numbers: [Double] {
            switch self {
            case .float64(let v): return v
            case .float32(let v): return v.map(Double.init)
            case .int64(let v): return v.map(Double.init)
            case .int32(let v): return v.map(Double.init)
            case .uint8(let v): return v.map(Double.init)
            case .strings: return []
            }
        }

        var count: Int {
            if case .strings(let s) = self { return s.count }
            return numbers.count
        }
    }

    /// A dataset: its elements and shape.
    struct Dataset {
        var elements: Elements
        var shape: [Int]
    }

    /// An attribute's value.
    enum Attribute {
        case strings([String]), ints([Int]), doubles([Double])
    }

    /// Group paths relative to the root ("geffect/forget"), in creation order.
    var groups: [String] = []
    /// Datasets by path relative to the root.
    var datasets: [String: Dataset] = [:]
    /// Attributes by object path relative to the root ("" is the root itself).
    var attributes: [String: [String: Attribute]] = [:]

    /// Reads every group, dataset and attribute of the file at `path`.
    init(path: String) throws {
        let file = try H5File.open(path)
        defer { try? file.close() }
        try visit(file.root, prefix: "")
    }

    private mutating func visit(_ group: H5Group, prefix: String) throws {
        attributes[prefix] = try Self.readAttributes(group)
        for name in try group.memberNames() {
            let path = prefix.isEmpty ? name : prefix + "/" + name
            switch try group.kind(of: name) {
            case .group:
                groups.append(path)
                try visit(try group.group(name), prefix: path)
            case .dataset:
                let dataset = try group.dataset(name)
                let elements: Elements
                switch try dataset.elementType() {
                case .float64: elements = .float64(try dataset.read(as: Double.self).values)
                case .float32: elements = .float32(try dataset.read(as: Float.self).values)
                case .int64: elements = .int64(try dataset.read(as: Int64.self).values)
                case .int32: elements = .int32(try dataset.read(as: Int32.self).values)
                case .uint8: elements = .uint8(try dataset.read(as: UInt8.self).values)
                case .string: elements = .strings(try dataset.readStrings())
                case nil: continue
                }
                datasets[path] = Dataset(elements: elements, shape: try dataset.shape())
                attributes[path] = try Self.readAttributes(dataset)
            case .other: continue
            }
        }
    }

    private static func readAttributes(_ object: H5Object) throws -> [String: Attribute] {
        var found: [String: Attribute] = [:]
        for name in try object.attributeNames() {
            if let value = try? object.stringArrayAttribute(name) {
                found[name] = .strings(value)
            } else if let value = try? object.intArrayAttribute(name) {
                found[name] = .ints(value)
            } else if let value = try? object.doubleArrayAttribute(name) {
                found[name] = .doubles(value)
            }
        }
        return found
    }

    /// Writes the image as a new file at `path` (fixed, contiguous datasets).
    func write(to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        let file = try H5File.create(path)
        let root = file.root
        for group in groups { _ = try root.groupCreatingIfNeeded(group) }
        for (name, dataset) in datasets.sorted(by: { $0.key < $1.key }) {
            let shape = dataset.shape
            switch dataset.elements {
            case .float64(let v): try root.write(name, v, shape: shape)
            case .float32(let v): try root.write(name, v, shape: shape)
            case .int64(let v): try root.write(name, v, shape: shape)
            case .int32(let v): try root.write(name, v, shape: shape)
            case .uint8(let v): try root.write(name, v, shape: shape)
            case .strings(let v): try root.write(name, v)
            }
        }
        for (object, values) in attributes.sorted(by: { $0.key < $1.key }) {
            let target: H5Object
            if object.isEmpty {
                target = root
            } else if datasets[object] != nil {
                target = try root.dataset(object)
            } else if root.contains(object) {
                target = try root.group(object)
            } else {
                continue
            }
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .strings(let s):
                    if s.count == 1 { try target.setAttribute(name, s[0]) } else { try target.setAttribute(name, s) }
                case .ints(let v):
                    if v.count == 1 { try target.setAttribute(name, v[0]) } else { try target.setAttribute(name, v) }
                case .doubles(let v):
                    if v.count == 1 { try target.setAttribute(name, v[0]) } else { try target.setAttribute(name, v) }
                }
            }
        }
        try file.close()
    }

    // MARK: Edits

    /// Renames every group, dataset and attribute path component `old` to `new`.
    mutating func renameComponent(_ old: String, to new: String) {
        func renamed(_ path: String) -> String {
            path.split(separator: "/", omittingEmptySubsequences: false).map { $0 == old ? new : String($0) }.joined(
                separator: "/")
        }
        groups = groups.map(renamed)
        datasets = Dictionary(uniqueKeysWithValues: datasets.map { (renamed($0.key), $0.value) })
        attributes = Dictionary(uniqueKeysWithValues: attributes.map { (renamed($0.key), $0.value) })
    }

    /// Keeps the first `rows` rows of the dataset at `path`.
    mutating func keepRows(_ rows: Int, of path: String) {
        guard var dataset = datasets[path], let first = dataset.shape.first, first > 0 else { return }
        let rowLength = dataset.elements.count / first
        let kept = min(rows, first) * rowLength
        switch dataset.elements {
        case .float64(let v): dataset.elements = .float64(Array(v.prefix(kept)))
        case .float32(let v): dataset.elements = .float32(Array(v.prefix(kept)))
        case .int64(let v): dataset.elements = .int64(Array(v.prefix(kept)))
        case .int32(let v): dataset.elements = .int32(Array(v.prefix(kept)))
        case .uint8(let v): dataset.elements = .uint8(Array(v.prefix(kept)))
        case .strings(let v): dataset.elements = .strings(Array(v.prefix(kept)))
        }
        dataset.shape[0] = min(rows, first)
        datasets[path] = dataset
    }

    /// Replaces the numbers of the dataset at `path` by `values` stored as float64, with `shape`
    /// (default: the old one).
    mutating func setNumbers(_ values: [Double], of path: String, shape: [Int]? = nil) {
        datasets[path] = Dataset(elements: .float64(values), shape: shape ?? datasets[path]?.shape ?? [values.count])
    }

    /// Sets element `index` of the numeric dataset at `path` to `value` (stored as float64 then).
    mutating func setNumber(_ value: Double, at index: Int, of path: String) {
        guard var values = datasets[path]?.elements.numbers, index < values.count else { return }
        values[index] = value
        setNumbers(values, of: path)
    }

    /// Sets a string attribute of `object` ("" for the root).
    mutating func setAttribute(_ name: String, of object: String, _ value: Attribute) {
        attributes[object, default: [:]][name] = value
    }

    /// Declares `rows` rows for the extendible dataset `writer` appends to, without writing them
    /// (HDF5's `H5Dset_extent`): a file of a few kilobytes that claims terabytes. Uses the
    /// writer's open handle: a second open of the file could meet the flock(2) that a test's child
    /// process, forked meanwhile, still shares (see `H5File.retryingWhileLocked`).
    static func declareHugeExtent(of writer: H5RowWriter<Double>, rows: UInt64) -> Bool {
        let dims = [hsize_t(rows)] + writer.rowShape.map { hsize_t($0) }
        return H5Dset_extent(writer.dataset.id, dims) >= 0
    }
}
