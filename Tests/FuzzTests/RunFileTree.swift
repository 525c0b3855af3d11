import Foundation
import Store
import TestSupport

/// A run file held in memory (groups, datasets, attributes) so that semantic edits can be made
/// with the HDF5 API: a dataset shortened or grown, NaN or absurd numbers in `/steps`, a group
/// dropped, an attribute or dataset given another type, a 1-D dataset made 2-D. Written back
/// with `Store` as a fresh file. HDF5 is not thread-safe: every use goes through `RunFileTree.lock`.
struct RunFileTree {
    /// Serialises all HDF5 calls of the fuzzer (the library is built without thread safety).
    static let lock = NSLock()

    enum Values {
        case float32([Float]), float64([Double]), int32([Int32]), int64([Int64]), uint8([UInt8]), strings([String])

        var count: Int {
            switch self {
            case .float32(let v): v.count
            case .float64(let v): v.count
            case .int32(let v): v.count
            case .int64(let v): v.count
            case .uint8(let v): v.count
            case .strings(let v): v.count
            }
        }

        /// The values as doubles (strings by their length), for retyping.
        var doubles: [Double] {
            switch self {
            case .float32(let v): v.map(Double.init)
            case .float64(let v): v
            case .int32(let v): v.map(Double.init)
            case .int64(let v): v.map(Double.init)
            case .uint8(let v): v.map(Double.init)
            case .strings(let v): v.map { Double($0.count) }
            }
        }

        /// The first `n` values (n ≤ count), or the values grown by repeating the last.
        func resized(_ n: Int) -> Values {
            func fit<T>(_ v: [T], _ fill: T) -> [T] {
                n <= v.count ? Array(v.prefix(n)) : v + Array(repeating: v.last ?? fill, count: n - v.count)
            }
            switch self {
            case .float32(let v): return .float32(fit(v, .nan))
            case .float64(let v): return .float64(fit(v, .nan))
            case .int32(let v): return .int32(fit(v, 0))
            case .int64(let v): return .int64(fit(v, 0))
            case .uint8(let v): return .uint8(fit(v, 0))
            case .strings(let v): return .strings(fit(v, ""))
            }
        }
    }

    enum Attribute {
        case strings([String]), ints([Int]), doubles([Double])
    }

    struct Dataset {
        var values: Values
        var shape: [Int]
        var attributes: [(String, Attribute)]
    }

    struct Group {
        var attributes: [(String, Attribute)] = []
        var groups: [(String, Group)] = []
        var datasets: [(String, Dataset)] = []
    }

    var root: Group

    /// Reads the whole file.
    static func read(_ path: String) throws -> RunFileTree {
        try lock.withLock {
            let file = try H5File.open(path)
            defer { try? file.close() }
            return RunFileTree(root: try readGroup(file.root))
        }
    }

    private static func readAttributes(_ object: H5Object) throws -> [(String, Attribute)] {
        try object.attributeNames().map { name -> (String, Attribute) in
            if let s = try? object.stringArrayAttribute(name) { return (name, .strings(s)) }
            if let i = try? object.intArrayAttribute(name) { return (name, .ints(i)) }
            return (name, .doubles(try object.doubleArrayAttribute(name)))
        }
    }

    private static func readGroup(_ group: H5Group) throws -> Group {
        var out = Group(attributes: try readAttributes(group))
        for name in try group.memberNames() {
            switch try group.kind(of: name) {
            case .group: out.groups.append((name, try readGroup(try group.group(name))))
            case .dataset:
                let d = try group.dataset(name)
                var values = Values.strings([]), shape: [Int] = []
                switch try d.elementType() {
                case .float32?: let r = try d.read(as: Float.self); values = .float32(r.values); shape = r.shape
                case .float64?: let r = try d.read(as: Double.self); values = .float64(r.values); shape = r.shape
                case .int32?: let r = try d.read(as: Int32.self); values = .int32(r.values); shape = r.shape
                case .int64?: let r = try d.read(as: Int64.self); values = .int64(r.values); shape = r.shape
                case .uint8?: let r = try d.read(as: UInt8.self); values = .uint8(r.values); shape = r.shape
                case .string?, nil: let s = try d.readStrings(); values = .strings(s); shape = [s.count]
                }
                out.datasets.append((name, Dataset(values: values, shape: shape, attributes: try readAttributes(d))))
            case .other: break
            }
        }
        return out
    }

    /// Writes the tree as a new file at `path`.
    func write(_ path: String) throws {
        try Self.lock.withLock {
            let file = try H5File.create(path)
            try Self.writeGroup(root, into: file.root)
            try file.close()
        }
    }

    private static func writeAttributes(_ attributes: [(String, Attribute)], to object: H5Object) throws {
        for (name, a) in attributes {
            switch a {
            case .strings(let s):
                if s.count == 1 { try object.setAttribute(name, s[0]) } else { try object.setAttribute(name, s) }
            case .ints(let v): if v.count == 1 { try object.setAttribute(name, v[0]) } else { try object.setAttribute(name, v) }
            case .doubles(let v):
                if v.count == 1 { try object.setAttribute(name, v[0]) } else { try object.setAttribute(name, v) }
            }
        }
    }

    private static func writeGroup(_ group: Group, into h5: H5Group) throws {
        try writeAttributes(group.attributes, to: h5)
        for (name, d) in group.datasets {
            let dataset: H5Dataset
            switch d.values {
            case .float32(let v): dataset = try h5.write(name, v, shape: d.shape)
            case .float64(let v): dataset = try h5.write(name, v, shape: d.shape)
            case .int32(let v): dataset = try h5.write(name, v, shape: d.shape)
            case .int64(let v): dataset = try h5.write(name, v, shape: d.shape)
            case .uint8(let v): dataset = try h5.write(name, v, shape: d.shape)
            case .strings(let v): dataset = try h5.write(name, v.map { $0.replacingOccurrences(of: "\u{0}", with: "") })
            }
            try writeAttributes(d.attributes, to: dataset)
        }
        for (name, g) in group.groups { try writeGroup(g, into: try h5.createGroup(name)) }
    }

    // MARK: Paths

    /// Every dataset path (`a/b/c`) and every group path, sorted as stored.
    func datasetPaths(_ group: Group? = nil, prefix: String = "") -> [String] {
        let g = group ?? root
        return g.datasets.map { prefix + $0.0 } + g.groups.flatMap { datasetPaths($0.1, prefix: prefix + $0.0 + "/") }
    }

    func groupPaths(_ group: Group? = nil, prefix: String = "") -> [String] {
        let g = group ?? root
        return g.groups.flatMap { [prefix + $0.0] + groupPaths($0.1, prefix: prefix + $0.0 + "/") }
    }

    /// Changes the group at `path` ("" is the root).
    mutating func withGroup(_ path: String, _ body: (inout Group) -> Void) {
        func walk(_ g: inout Group, _ parts: ArraySlice<Substring>) {
            guard let first = parts.first else { return body(&g) }
            if let i = g.groups.firstIndex(where: { $0.0 == first }) { walk(&g.groups[i].1, parts.dropFirst()) }
        }
        walk(&root, path.split(separator: "/")[...])
    }

    /// Changes the dataset at `path`; `body` returning nil deletes it.
    mutating func withDataset(_ path: String, _ body: (Dataset) -> Dataset?) {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        let name = String(path.split(separator: "/").last ?? "")
        withGroup(parent) { g in
            guard let i = g.datasets.firstIndex(where: { $0.0 == name }) else { return }
            if let d = body(g.datasets[i].1) { g.datasets[i].1 = d } else { g.datasets.remove(at: i) }
        }
    }

    // MARK: Edits

    static let absurdSteps: [Double] = [.nan, .infinity, -.infinity, 1e300, -1, -1e300, 0, 9.2e18, 0.5]
    static let absurdIntegers: [Int64] = [-1, 0, Int64.max, Int64.min, 1 << 40, 1 << 31, 7, 1_000_000_000]
    static let hostileStrings = [
        "", "x\ny", "\"quoted\"", "'single'", "a;b", "x`echo`y", "$HOME", "%s%n", "\u{202E}rtl",
        String(repeating: "long ", count: 2000), "é", "../../etc",
    ]

    /// One semantic edit; returns its description.
    mutating func edit(rng: inout SplitMix) -> String {
        let datasets = datasetPaths()
        switch rng.below(11) {
        case 0, 1:
            // A dataset shortened or grown along its first dimension.
            let path = rng.chance(0.3) && datasets.contains("steps") ? "steps" : rng.pick(datasets)
            var what = ""
            withDataset(path) { d in
                var d = d
                let rows = d.shape.first ?? 1, rowSize = d.shape.isEmpty ? 1 : d.shape.dropFirst().reduce(1, *)
                let newRows = rng.pick([0, max(0, rows - 1), max(0, rows - 2), rows + 1, rows + 3, 1])
                d.values = d.values.resized(newRows * rowSize)
                d.shape = d.shape.isEmpty ? [newRows] : [newRows] + d.shape.dropFirst()
                if case .strings = d.values { d.shape = [d.values.count] }
                what = "/\(path) has \(newRows) rows (was \(rows))"
                return d
            }
            return what
        case 2, 3:
            // Non-finite or absurd numbers in /steps or another numeric dataset.
            let path = rng.chance(0.5) && datasets.contains("steps") ? "steps" : rng.pick(datasets)
            var what = ""
            withDataset(path) { d in
                var d = d
                guard d.values.count > 0 else { what = "/\(path) is empty: unchanged"; return d }
                let i = rng.below(d.values.count)
                switch d.values {
                case .float64(var v):
                    let x = rng.pick(Self.absurdSteps); v[i] = x; d.values = .float64(v); what = "/\(path)[\(i)] := \(x)"
                case .float32(var v):
                    let x = Float(rng.pick(Self.absurdSteps)); v[i] = x; d.values = .float32(v); what = "/\(path)[\(i)] := \(x)"
                case .int64(var v):
                    if rng.chance(0.5) {
                        var w = v.map(Double.init); let x = rng.pick(Self.absurdSteps); w[i] = x
                        d.values = .float64(w); what = "/\(path) retyped float64 with [\(i)] := \(x)"
                    } else {
                        let x = rng.pick(Self.absurdIntegers); v[i] = x; d.values = .int64(v); what = "/\(path)[\(i)] := \(x)"
                    }
                case .int32(var v):
                    let x = Int32(truncatingIfNeeded: rng.pick(Self.absurdIntegers)); v[i] = x; d.values = .int32(v);
                    what = "/\(path)[\(i)] := \(x)"
                case .uint8(var v): v[i] = 255; d.values = .uint8(v); what = "/\(path)[\(i)] := 255"
                case .strings(var v):
                    let s = rng.pick(Self.hostileStrings); v[i] = s; d.values = .strings(v);
                    what = "/\(path)[\(i)] := \(JSONEdits.short(s))"
                }
                return d
            }
            return what
        case 4:
            let groups = groupPaths()
            guard !groups.isEmpty else { return "no group to drop" }
            let path = rng.pick(groups)
            let parent = path.split(separator: "/").dropLast().joined(separator: "/")
            let name = String(path.split(separator: "/").last!)
            withGroup(parent) { g in g.groups.removeAll { $0.0 == name } }
            return "group /\(path) dropped"
        case 5:
            let path = rng.pick(datasets)
            withDataset(path) { _ in nil }
            return "dataset /\(path) dropped"
        case 6, 7:
            // An attribute retyped, emptied, made hostile or dropped.
            var owners = [""] + groupPaths()
            owners = owners.filter { p in
                var has = false
                var copy = self
                copy.withGroup(p) { has = !$0.attributes.isEmpty }
                return has
            }
            guard !owners.isEmpty else { return "no attribute" }
            let owner = rng.pick(owners)
            var what = ""
            withGroup(owner) { g in
                let i = rng.below(g.attributes.count)
                let name = g.attributes[i].0
                let replacement: Attribute?
                switch rng.below(6) {
                case 0: replacement = nil
                case 1: replacement = .ints([rng.below(2) == 0 ? -1 : 1 << 40])
                case 2: replacement = .doubles([rng.pick(Self.absurdSteps)])
                case 3: replacement = .strings([rng.pick(Self.hostileStrings)])
                case 4: replacement = .strings(["a", "b", "c"])
                default: replacement = .ints([])
                }
                if let replacement { g.attributes[i].1 = replacement } else { g.attributes.remove(at: i) }
                what =
                    "attribute \(owner.isEmpty ? "/" : "/" + owner)@\(name) := \(replacement.map { "\($0)".prefix(60) } ?? "dropped")"
            }
            return what
        case 8:
            // A dataset retyped.
            let path = rng.pick(datasets)
            var what = ""
            withDataset(path) { d in
                var d = d
                let x = d.values.doubles
                switch rng.below(4) {
                case 0: d.values = .float32(x.map(Float.init))
                case 1: d.values = .int64(x.map { $0.isFinite && abs($0) < 9e18 ? Int64($0) : -1 })
                case 2: d.values = .strings(x.map { "\($0)" }); d.shape = [x.count]
                default: d.values = .uint8(x.map { $0.isFinite && $0 >= 0 && $0 < 256 ? UInt8($0) : 0 })
                }
                what = "/\(path) retyped to \(d.values)".prefix(70).description
                return d
            }
            return what
        case 9:
            // A dataset reshaped: 1-D made 2-D or scalar-like, 2-D flattened or transposed.
            let path = rng.pick(datasets)
            var what = ""
            withDataset(path) { d in
                var d = d
                if case .strings = d.values { what = "/\(path) (strings) unchanged"; return d }
                let n = d.values.count
                d.shape =
                    d.shape.count >= 2
                    ? (rng.chance(0.5) ? [n] : [d.shape[1], d.shape[0]] + d.shape.dropFirst(2))
                    : (rng.chance(0.5) ? [1, n] : [n, 1])
                what = "/\(path) reshaped to \(d.shape)"
                return d
            }
            return what
        default:
            // A member renamed (a risk set or G-effect set under another name).
            let path = rng.pick(datasets + groupPaths())
            let parent = path.split(separator: "/").dropLast().joined(separator: "/")
            let name = String(path.split(separator: "/").last!)
            let newName = rng.pick([name + "2", "x", name.uppercased(), "a b", "__", "é"])
            withGroup(parent) { g in
                if let i = g.groups.firstIndex(where: { $0.0 == name }), !g.groups.contains(where: { $0.0 == newName }) {
                    g.groups[i].0 = newName
                }
                if let i = g.datasets.firstIndex(where: { $0.0 == name }), !g.datasets.contains(where: { $0.0 == newName }) {
                    g.datasets[i].0 = newName
                }
            }
            return "/\(path) renamed to \(newName)"
        }
    }
}
