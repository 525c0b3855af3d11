import CHDF5

/// Appends rows to an extendible dataset: one row per call, each flushed to disk at once, so a
/// killed run keeps every row appended before it.
///
/// The dataset has shape `[rowCount] + rowShape`, an unlimited first dimension, and is chunked
/// and (optionally) gzip-compressed. Create one with ``H5Group/createExtendible(_:rowShape:of:chunkRows:gzip:)``
/// or reopen one with ``H5Group/openExtendible(_:of:)``; read it back like any dataset.
/// Use one writer per dataset at a time.
package final class H5RowWriter<T: H5Element> {
    /// The dataset being written; use it for attributes (column names, units) or to read back.
    package let dataset: H5Dataset
    /// The shape of one row (`[]` for a series of scalars).
    package let rowShape: [Int]
    /// Values per row: the product of ``rowShape``.
    package let rowLength: Int
    /// Rows written so far (including rows already in the file when it was reopened).
    package private(set) var rowCount: Int

    init(dataset: H5Dataset, rowShape: [Int], rowCount: Int) {
        self.dataset = dataset
        self.rowShape = rowShape
        self.rowLength = rowShape.reduce(1, *)
        self.rowCount = rowCount
    }

    /// Appends one row of ``rowLength`` values in row-major order, then flushes the file — or,
    /// with `flush: false`, leaves the flush to the caller (a writer that appends to many
    /// datasets per step flushes once, after the last).
    ///
    /// A row of the wrong length throws ``StoreError/shapeMismatch(file:object:detail:)`` and
    /// writes nothing. If HDF5 fails to write, the dataset is shrunk back to its old row count.
    package func append(_ row: [T], flush: Bool = true) throws(StoreError) {
        let file = dataset.file
        try file.checkWritable(object: dataset.path)
        guard row.count == rowLength else {
            throw .shapeMismatch(
                file: file.path, object: dataset.path,
                detail: "row has \(row.count) values, expected \(rowLength)")
        }
        let oldDims = ([rowCount] + rowShape).map { hsize_t($0) }
        var newDims = oldDims
        newDims[0] += 1
        guard H5Dset_extent(dataset.id, newDims) >= 0 else { throw dataset.libraryError("H5Dset_extent") }
        do throws(StoreError) {
            try writeLastRow(row, dims: newDims)
        } catch {
            _ = H5Dset_extent(dataset.id, oldDims)
            _ = H5Eclear2(gs_H5E_DEFAULT())
            throw error
        }
        rowCount += 1
        if flush { guard H5Fflush(dataset.id, H5F_SCOPE_LOCAL) >= 0 else { throw dataset.libraryError("H5Fflush") } }
    }

    /// Writes `row` into the last row of a dataset whose dimensions are now `dims`.
    private func writeLastRow(_ row: [T], dims: [hsize_t]) throws(StoreError) {
        let fileSpace = H5Dget_space(dataset.id)
        guard fileSpace >= 0 else { throw dataset.libraryError("H5Dget_space") }
        defer { _ = H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: dims.count)
        start[0] = dims[0] - 1
        var count = dims
        count[0] = 1
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, count, nil) >= 0 else {
            throw dataset.libraryError("H5Sselect_hyperslab")
        }
        let memorySpace = H5Screate_simple(Int32(count.count), count, nil)
        guard memorySpace >= 0 else { throw dataset.libraryError("H5Screate_simple") }
        defer { _ = H5Sclose(memorySpace) }
        let status = row.withUnsafeBytes {
            H5Dwrite(
                dataset.id, T.elementType.memoryType, memorySpace, fileSpace, gs_H5P_DEFAULT(),
                $0.baseAddress)
        }
        guard status >= 0 else { throw dataset.libraryError("H5Dwrite") }
    }
}

extension H5Group {
    /// The most bytes one chunk of an extendible dataset may hold (HDF5's default chunk cache
    /// per dataset is 1 MiB; a larger chunk would be re-read and re-compressed on every append).
    package static let maxChunkBytes = 1 << 20
    /// The chunk size aimed at when `chunkRows` is not given.
    package static let defaultChunkBytes = 64 << 10

    /// Creates an empty extendible dataset of rows of shape `rowShape` (`[]` for scalars) and
    /// returns a writer that appends to it.
    ///
    /// - Parameters:
    ///   - chunkRows: rows per chunk; by default as many as fit in 64 KiB (at least 1, at most
    ///     1024). Chunks are capped at 1 MiB: a row larger than that is split across chunks.
    ///   - gzip: deflate level 0–9 (0: no compression). With compression the shuffle filter is
    ///     applied first, which helps floating-point data.
    /// Missing parent groups are created; an existing member `name` is an error.
    package func createExtendible<E: H5Element>(
        _ name: String, rowShape: [Int], of _: E.Type = E.self, chunkRows: Int? = nil, gzip: Int = 4
    ) throws(StoreError) -> H5RowWriter<E> {
        let object = childPath(name)
        guard validElement(E.self) else {
            throw .invalidArgument(file: file.path, object: object, detail: "\(E.self) is not a valid H5Element")
        }
        guard rowShape.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument(
                file: file.path, object: object,
                detail: "row shape \(rowShape) has a dimension below 1")
        }
        guard (0...9).contains(gzip) else {
            throw .invalidArgument(file: file.path, object: object, detail: "gzip level \(gzip) is not in 0...9")
        }
        if let chunkRows, chunkRows < 1 {
            throw .invalidArgument(file: file.path, object: object, detail: "chunkRows \(chunkRows) is below 1")
        }
        let chunk = H5Group.chunkShape(
            rowShape: rowShape, elementSize: E.elementType.size,
            chunkRows: chunkRows
        ).map { hsize_t($0) }
        let maxShape = [gs_H5S_UNLIMITED()] + rowShape.map { hsize_t($0) }
        let dataset = try createDataset(
            name, fileType: E.elementType.fileType, shape: [0] + rowShape,
            maxShape: maxShape
        ) { dcpl in
            if H5Pset_chunk(dcpl, Int32(chunk.count), chunk) < 0 { return -1 }
            if gzip > 0 {
                if H5Pset_shuffle(dcpl) < 0 { return -1 }
                if H5Pset_deflate(dcpl, UInt32(gzip)) < 0 { return -1 }
            }
            return 0
        }
        return H5RowWriter(dataset: dataset, rowShape: rowShape, rowCount: 0)
    }

    /// Reopens an extendible dataset to append more rows to it (the file must be open writable).
    /// Throws if the dataset's first dimension is not unlimited or its elements are not `E`.
    package func openExtendible<E: H5Element>(_ name: String, of _: E.Type = E.self) throws(StoreError) -> H5RowWriter<E> {
        let object = childPath(name)
        try file.checkWritable(object: object)
        let dataset = try dataset(name)
        try dataset.checkStoredType(E.elementType)
        let space = H5Dget_space(dataset.id)
        guard space >= 0 else { throw libraryError("H5Dget_space", object: object) }
        defer { _ = H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 1 else {
            throw .shapeMismatch(file: file.path, object: object, detail: "a scalar dataset is not extendible")
        }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        var maxDims = dims
        guard H5Sget_simple_extent_dims(space, &dims, &maxDims) >= 0 else {
            throw libraryError("H5Sget_simple_extent_dims", object: object)
        }
        guard maxDims[0] == gs_H5S_UNLIMITED() else {
            throw .shapeMismatch(
                file: file.path, object: object,
                detail: "first dimension is not unlimited: not an extendible dataset")
        }
        return H5RowWriter(
            dataset: dataset, rowShape: dims.dropFirst().map { Int($0) },
            rowCount: Int(dims[0]))
    }

    /// The chunk shape for rows of `rowShape`: `[rows] + rowShape`, with `rows` = `chunkRows` or
    /// as many as fit in ``defaultChunkBytes`` (≤ 1024), then cut down to ``maxChunkBytes`` by
    /// reducing the rows and, if one row is still too big, halving its largest dimensions.
    package static func chunkShape(rowShape: [Int], elementSize: Int, chunkRows: Int?) -> [Int] {
        let rowBytes = rowShape.reduce(elementSize, *)
        let rows = chunkRows ?? min(1024, max(1, defaultChunkBytes / rowBytes))
        var chunk = [max(1, min(rows, maxChunkBytes / rowBytes))] + rowShape
        while chunk.reduce(elementSize, *) > maxChunkBytes {
            let largest = chunk.indices.dropFirst().max { chunk[$0] < chunk[$1] }!
            chunk[largest] = (chunk[largest] + 1) / 2
        }
        return chunk
    }
}
