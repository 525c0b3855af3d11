import CHDF5

/// How large a dataset says it is, and how many bytes the file really holds for it, learned
/// without reading (or allocating) any element.
///
/// Readers of files from elsewhere check ``byteCount`` against ``storedByteCount`` and the
/// file's size before calling ``H5Dataset/read(as:)``, which allocates the whole declared extent:
/// a damaged or hostile file can declare terabytes in a few bytes of metadata.
package struct H5Extent: Sendable, Equatable {
    /// The dimensions exactly as stored (`[]` for a scalar dataset); they may exceed `Int.max`.
    package let dimensions: [UInt64]
    /// The size in bytes of one stored element (`H5Tget_size`; a pointer's size for variable-length
    /// strings).
    package let elementSize: Int
    /// The product of the dimensions times ``elementSize``, or nil when it overflows `Int`.
    package let byteCount: Int?
    /// The bytes the file holds for the data (`H5Dget_storage_size`: after compression, 0 when
    /// nothing was written).
    package let storedByteCount: Int
}

extension H5Dataset {
    /// The declared extent and stored size of this dataset (see ``H5Extent``).
    package func extent() throws(StoreError) -> H5Extent {
        try file.checkOpen(object: path)
        let space = H5Dget_space(id)
        guard space >= 0 else { throw libraryError("H5Dget_space") }
        defer { _ = H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw libraryError("H5Sget_simple_extent_ndims") }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0, H5Sget_simple_extent_dims(space, &dimensions, nil) < 0 {
            throw libraryError("H5Sget_simple_extent_dims")
        }
        let type = H5Dget_type(id)
        guard type >= 0 else { throw libraryError("H5Dget_type") }
        defer { _ = H5Tclose(type) }
        let elementSize = H5Tget_size(type)
        guard elementSize > 0, elementSize <= Int.max else { throw libraryError("H5Tget_size") }
        var byteCount: Int? = Int(elementSize)
        for dimension in dimensions {
            guard let bytes = byteCount, dimension <= UInt64(Int.max) else { byteCount = nil; break }
            let (product, overflow) = bytes.multipliedReportingOverflow(by: Int(dimension))
            byteCount = overflow ? nil : product
        }
        let stored = H5Dget_storage_size(id)
        return H5Extent(
            dimensions: dimensions.map { UInt64($0) }, elementSize: Int(elementSize), byteCount: byteCount,
            storedByteCount: stored <= UInt64(Int.max) ? Int(stored) : Int.max)
    }
}
