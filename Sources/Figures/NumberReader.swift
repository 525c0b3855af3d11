import Store

/// Reads numeric datasets of any stored numeric type as `Double`, cut to a number of rows.
///
/// Call it only on a file that ``RunFileLayout/check(_:)`` accepted: then every declared extent
/// is backed by the file and every per-step dataset has at least the rows asked for.
struct NumberReader {
    let root: H5Group

    /// Every value of the dataset at `path`, converted to Double, with its shape.
    func numbers(_ path: String) throws -> (values: [Double], shape: [Int]) {
        let dataset = try root.dataset(path)
        switch try dataset.elementType() {
        case .float64: return try dataset.read(as: Double.self)
        case .float32: let r = try dataset.read(as: Float.self); return (r.values.map(Double.init), r.shape)
        case .int64: let r = try dataset.read(as: Int64.self); return (r.values.map(Double.init), r.shape)
        case .int32: let r = try dataset.read(as: Int32.self); return (r.values.map(Double.init), r.shape)
        case .uint8: let r = try dataset.read(as: UInt8.self); return (r.values.map(Double.init), r.shape)
        case .string, nil:
            throw StoreError.typeMismatch(file: root.file.path, object: "/" + path, expected: "numbers", found: "other")
        }
    }

    /// The first `rows` values of a 1-D dataset, or [] when it is missing.
    func vector(_ path: String, rows: Int) throws -> [Double] {
        guard root.contains(path) else { return [] }
        return Array(try numbers(path).values.prefix(rows))
    }

    /// The first `rows` rows of a 2-D dataset, or nil when it is missing.
    func matrix(_ path: String, rows: Int) throws -> Matrix? {
        guard root.contains(path) else { return nil }
        let (values, shape) = try numbers(path)
        guard shape.count == 2 else { return nil }
        let kept = min(rows, shape[0])
        return Matrix(rows: kept, columns: shape[1], values: Array(values.prefix(kept * shape[1])))
    }

    /// The first `rows` [N, T] slices of a 3-D dataset, or [] when it is missing.
    func slices(_ path: String, rows: Int) throws -> [Matrix] {
        guard root.contains(path) else { return [] }
        let (values, shape) = try numbers(path)
        guard shape.count == 3 else { return [] }
        let size = shape[1] * shape[2]
        return (0..<min(rows, shape[0])).map {
            Matrix(rows: shape[1], columns: shape[2], values: Array(values[($0 * size)..<(($0 + 1) * size)]))
        }
    }
}
