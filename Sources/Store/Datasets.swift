import CHDF5

/// A dataset: an n-dimensional array of numbers or a 1-D array of strings, with attributes.
///
/// Fixed datasets are written whole by ``H5Group/write(_:_:shape:)`` and stored contiguously;
/// extendible ones grow row by row through an ``H5RowWriter``. Both read back the same way.
package final class H5Dataset: H5Object {
    /// The current dimensions (`[]` for a scalar dataset). An extendible dataset's first
    /// dimension is its row count.
    package func shape() throws(StoreError) -> [Int] {
        try file.checkOpen(object: path)
        let space = H5Dget_space(id)
        guard space >= 0 else { throw libraryError("H5Dget_space") }
        defer { _ = H5Sclose(space) }
        guard let dims = HDF5.dimensions(ofSpace: space) else { throw libraryError("H5Sget_simple_extent_dims") }
        return dims
    }

    /// The stored element type, or nil for types this layer does not read (such as `int16`).
    package func elementType() throws(StoreError) -> H5ElementType? {
        try file.checkOpen(object: path)
        let type = H5Dget_type(id)
        guard type >= 0 else { throw libraryError("H5Dget_type") }
        defer { _ = H5Tclose(type) }
        return H5ElementType(hdf5Type: type)
    }

    /// Reads every element, in row-major (C) order, with the dataset's shape.
    ///
    /// The stored element type must be `T`'s exactly (``H5Element/elementType``): reading
    /// `float32` data as `Double` throws ``StoreError/typeMismatch(file:object:expected:found:)``
    /// rather than converting.
    package func read<T: H5Element>(as _: T.Type = T.self) throws(StoreError) -> (values: [T], shape: [Int]) {
        try file.checkOpen(object: path)
        guard validElement(T.self) else {
            throw .invalidArgument(
                file: file.path, object: path,
                detail: "\(T.self) is not a valid H5Element")
        }
        try checkStoredType(T.elementType)
        let shape = try shape()
        let count = shape.reduce(1, *)
        var values = [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        let status = values.withUnsafeMutableBytes {
            H5Dread(
                id, T.elementType.memoryType, gs_H5S_ALL(), gs_H5S_ALL(), gs_H5P_DEFAULT(),
                $0.baseAddress)
        }
        guard status >= 0 else { throw libraryError("H5Dread") }
        return (values, shape)
    }

    /// Reads every string, in row-major order (a 1-D dataset for what Store writes).
    package func readStrings() throws(StoreError) -> [String] {
        try file.checkOpen(object: path)
        try checkStoredType(.string)
        let type = H5Dget_type(id)
        guard type >= 0 else { throw libraryError("H5Dget_type") }
        defer { _ = H5Tclose(type) }
        let space = H5Dget_space(id)
        guard space >= 0 else { throw libraryError("H5Dget_space") }
        defer { _ = H5Sclose(space) }
        let count = H5Sget_simple_extent_npoints(space)
        guard count >= 0 else { throw libraryError("H5Sget_simple_extent_npoints") }
        guard
            let strings = StringIO.read(
                count: Int(count), storedType: type, space: space,
                {
                    H5Dread(id, $0, gs_H5S_ALL(), gs_H5S_ALL(), gs_H5P_DEFAULT(), $1)
                })
        else { throw libraryError("H5Dread") }
        return strings
    }

    /// Throws unless the stored element type is `expected`.
    func checkStoredType(_ expected: H5ElementType) throws(StoreError) {
        let type = H5Dget_type(id)
        guard type >= 0 else { throw libraryError("H5Dget_type") }
        defer { _ = H5Tclose(type) }
        guard H5ElementType(hdf5Type: type) == expected else {
            throw .typeMismatch(
                file: file.path, object: path, expected: expected.description,
                found: HDF5.describe(type: type))
        }
    }
}

extension H5Group {
    /// Writes a fixed dataset of numbers.
    ///
    /// `values` are in row-major (C) order; `shape` defaults to `[values.count]` (1-D), `[]`
    /// makes a scalar dataset, and the product of `shape` must equal `values.count`. Missing
    /// parent groups on the path are created; an existing member `name` is an error.
    @discardableResult
    package func write<T: H5Element>(_ name: String, _ values: [T], shape: [Int]? = nil) throws(StoreError) -> H5Dataset {
        let object = childPath(name)
        guard validElement(T.self) else {
            throw .invalidArgument(
                file: file.path, object: object,
                detail: "\(T.self) is not a valid H5Element")
        }
        let shape = shape ?? [values.count]
        if let bad = shape.first(where: { $0 < 0 }) {
            throw .invalidArgument(file: file.path, object: object, detail: "negative dimension \(bad) in shape \(shape)")
        }
        let expected = shape.reduce(1, *)
        guard expected == values.count else {
            throw .shapeMismatch(
                file: file.path, object: object,
                detail: "\(values.count) values do not fill shape \(shape) (\(expected) values)")
        }
        let dataset = try createDataset(name, fileType: T.elementType.fileType, shape: shape)
        let status = values.withUnsafeBytes {
            H5Dwrite(
                dataset.id, T.elementType.memoryType, gs_H5S_ALL(), gs_H5S_ALL(), gs_H5P_DEFAULT(),
                $0.baseAddress)
        }
        guard status >= 0 else { throw libraryError("H5Dwrite", object: object) }
        return dataset
    }

    /// Writes a fixed 1-D dataset of variable-length UTF-8 strings (which h5py reads as `str`).
    /// Strings must not contain NUL bytes.
    @discardableResult
    package func write(_ name: String, _ strings: [String]) throws(StoreError) -> H5Dataset {
        let object = childPath(name)
        if let bad = strings.firstIndex(where: containsNUL) {
            throw .invalidArgument(file: file.path, object: object, detail: "string \(bad) contains a NUL byte")
        }
        let fileType = HDF5.variableStringType()
        guard fileType >= 0 else { throw libraryError("H5Tcopy", object: object) }
        defer { _ = H5Tclose(fileType) }
        let dataset = try createDataset(name, fileType: fileType, shape: [strings.count])
        guard
            try StringIO.write(
                strings,
                {
                    H5Dwrite(dataset.id, $0, gs_H5S_ALL(), gs_H5S_ALL(), gs_H5P_DEFAULT(), $1)
                })
        else { throw libraryError("H5Dwrite", object: object) }
        return dataset
    }

    /// Opens an existing dataset.
    package func dataset(_ name: String) throws(StoreError) -> H5Dataset {
        H5Dataset(file: file, id: try openObject(name, expecting: .dataset), path: childPath(name))
    }

    /// Reads a numeric dataset: its elements in row-major order and its shape. See
    /// ``H5Dataset/read(as:)``.
    package func read<T: H5Element>(_ name: String, as type: T.Type = T.self) throws(StoreError) -> (values: [T], shape: [Int]) {
        try dataset(name).read(as: type)
    }

    /// Reads a string dataset.
    package func readStrings(_ name: String) throws(StoreError) -> [String] {
        try dataset(name).readStrings()
    }

    // MARK: Internals

    /// Creates an empty dataset at `name` (creating missing parents) without modification times.
    /// `configure`, if given, adjusts the creation property list (chunking, filters);
    /// `maxShape` defaults to `shape`, and `gs_H5S_UNLIMITED()` in it makes a dimension extendible.
    func createDataset(
        _ name: String, fileType: hid_t, shape: [Int], maxShape: [hsize_t]? = nil,
        configure: ((hid_t) -> herr_t)? = nil
    ) throws(StoreError) -> H5Dataset {
        let object = childPath(name)
        try file.checkWritable(object: object)
        try validateName(name)
        if contains(name) { throw .alreadyExists(file: file.path, object: object) }
        let (parent, leaf) = try parentCreatingIfNeeded(of: name)

        let space: hid_t
        if let maxShape {
            let dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), dims, maxShape)
        } else {
            space = HDF5.createSpace(shape)
        }
        guard space >= 0 else { throw libraryError("H5Screate", object: object) }
        defer { _ = H5Sclose(space) }
        let dcpl = HDF5.datasetCreationList()
        guard dcpl >= 0 else { throw libraryError("H5Pcreate", object: object) }
        defer { _ = H5Pclose(dcpl) }
        if let configure, configure(dcpl) < 0 { throw libraryError("H5Pset_chunk/H5Pset_deflate", object: object) }
        let datasetID = H5Dcreate2(parent.id, leaf, fileType, space, gs_H5P_DEFAULT(), dcpl, gs_H5P_DEFAULT())
        guard datasetID >= 0 else { throw libraryError("H5Dcreate2", object: object) }
        return H5Dataset(file: file, id: datasetID, path: object)
    }
}
