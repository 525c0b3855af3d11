import CHDF5

/// Attributes: small named values attached to a group (including the root) or a dataset.
///
/// Kinds: strings (variable-length UTF-8), integers (stored as `int64`) and doubles (`float64`),
/// each as a scalar or a 1-D array. Setting an attribute replaces any attribute of that name; one
/// of the same type and shape is overwritten in place (what a file in SWMR mode allows).
/// The integer getters read any stored integer type, the double getters any stored float type;
/// asking for a number where a string is stored (or the reverse) throws
/// ``StoreError/typeMismatch(file:object:expected:found:)``.
extension H5Object {
    // MARK: Setting

    /// Sets a string attribute.
    package func setAttribute(_ name: String, _ value: String) throws(StoreError) {
        try writeStringAttribute(name, [value], shape: [])
    }

    /// Sets a 1-D string-array attribute.
    package func setAttribute(_ name: String, _ value: [String]) throws(StoreError) {
        try writeStringAttribute(name, value, shape: [value.count])
    }

    /// Sets an integer attribute, stored as `int64`.
    package func setAttribute(_ name: String, _ value: Int) throws(StoreError) {
        try writeNumericAttribute(name, [Int64(value)], shape: [])
    }

    /// Sets a 1-D integer-array attribute, stored as `int64`.
    package func setAttribute(_ name: String, _ value: [Int]) throws(StoreError) {
        try writeNumericAttribute(name, value.map(Int64.init), shape: [value.count])
    }

    /// Sets a floating-point attribute, stored as `float64`.
    package func setAttribute(_ name: String, _ value: Double) throws(StoreError) {
        try writeNumericAttribute(name, [value], shape: [])
    }

    /// Sets a 1-D floating-point-array attribute, stored as `float64`.
    package func setAttribute(_ name: String, _ value: [Double]) throws(StoreError) {
        try writeNumericAttribute(name, value, shape: [value.count])
    }

    // MARK: Getting

    /// A string attribute. Throws if the attribute holds more than one string.
    package func stringAttribute(_ name: String) throws(StoreError) -> String {
        try single(stringArrayAttribute(name), name)
    }

    /// A string-array attribute (a scalar string attribute reads as one element).
    package func stringArrayAttribute(_ name: String) throws(StoreError) -> [String] {
        try withAttribute(name) { (attribute, type, space, count) throws(StoreError) in
            guard H5Tget_class(type) == H5T_STRING else {
                throw .typeMismatch(
                    file: file.path, object: attributeObject(name),
                    expected: "string", found: HDF5.describe(type: type))
            }
            guard
                let strings = StringIO.read(
                    count: count, storedType: type, space: space,
                    {
                        H5Aread(attribute, $0, $1)
                    })
            else { throw libraryError("H5Aread", object: attributeObject(name)) }
            return strings
        }
    }

    /// An integer attribute. Throws if the attribute holds more than one value.
    package func intAttribute(_ name: String) throws(StoreError) -> Int {
        try single(intArrayAttribute(name), name)
    }

    /// An integer-array attribute (a scalar reads as one element).
    package func intArrayAttribute(_ name: String) throws(StoreError) -> [Int] {
        let values: [Int64] = try readNumericAttribute(
            name, storedClass: H5T_INTEGER,
            expected: "integer")
        return values.map { Int($0) }
    }

    /// A floating-point attribute. Throws if the attribute holds more than one value.
    package func doubleAttribute(_ name: String) throws(StoreError) -> Double {
        try single(doubleArrayAttribute(name), name)
    }

    /// A floating-point-array attribute (a scalar reads as one element).
    package func doubleArrayAttribute(_ name: String) throws(StoreError) -> [Double] {
        try readNumericAttribute(name, storedClass: H5T_FLOAT, expected: "floating-point")
    }

    // MARK: Listing

    /// Whether this object has an attribute called `name`. False for a closed file.
    package func hasAttribute(_ name: String) -> Bool {
        HDF5.silence()
        guard file.isOpen, !name.isEmpty, !containsNUL(name) else { return false }
        let exists = H5Aexists(id, name)
        if exists < 0 { _ = H5Eclear2(gs_H5E_DEFAULT()) }
        return exists > 0
    }

    /// The names of this object's attributes, sorted.
    package func attributeNames() throws(StoreError) -> [String] {
        try file.checkOpen(object: path)
        let count = gs_object_num_attrs(id)
        guard count >= 0 else { throw libraryError("H5Oget_info") }
        var names: [String] = []
        for index in 0..<hsize_t(count) {
            let length = H5Aget_name_by_idx(
                id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0,
                gs_H5P_DEFAULT())
            guard length >= 0 else { throw libraryError("H5Aget_name_by_idx") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard
                H5Aget_name_by_idx(
                    id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer,
                    buffer.count, gs_H5P_DEFAULT()) >= 0
            else { throw libraryError("H5Aget_name_by_idx") }
            names.append(
                String(
                    decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) },
                    as: UTF8.self))
        }
        return names.sorted()
    }

    // MARK: Internals

    /// How errors name attribute `name` of this object.
    func attributeObject(_ name: String) -> String {
        "\(path) attribute \"\(name)\""
    }

    private func single<T>(_ values: [T], _ name: String) throws(StoreError) -> T {
        guard values.count == 1 else {
            throw .shapeMismatch(
                file: file.path, object: attributeObject(name),
                detail: "holds \(values.count) values, expected 1")
        }
        return values[0]
    }

    /// Checks the file and name and returns an open attribute `name` of `fileType` and `shape`:
    /// the existing one when its type and shape are those (written in place, as a file in SWMR
    /// mode requires), else a new one replacing any of that name. The caller writes and closes it.
    private func replaceAttribute(_ name: String, fileType: hid_t, shape: [Int]) throws(StoreError) -> hid_t {
        let object = attributeObject(name)
        try file.checkWritable(object: object)
        guard !name.isEmpty, !containsNUL(name) else {
            throw .invalidArgument(file: file.path, object: object, detail: "invalid attribute name")
        }
        let exists = H5Aexists(id, name)
        guard exists >= 0 else { throw libraryError("H5Aexists", object: object) }
        if exists > 0, let attribute = openAttribute(name, ifItHas: fileType, shape: shape) { return attribute }
        if exists > 0, H5Adelete(id, name) < 0 { throw libraryError("H5Adelete", object: object) }
        let space = HDF5.createSpace(shape)
        guard space >= 0 else { throw libraryError("H5Screate", object: object) }
        defer { _ = H5Sclose(space) }
        let attribute = H5Acreate2(id, name, fileType, space, gs_H5P_DEFAULT(), gs_H5P_DEFAULT())
        guard attribute >= 0 else { throw libraryError("H5Acreate2", object: object) }
        return attribute
    }

    /// The existing attribute `name`, opened, if its stored type equals `fileType` and its
    /// dataspace has `shape` (`[]`: scalar); nil otherwise (HDF5's error stack cleared).
    private func openAttribute(_ name: String, ifItHas fileType: hid_t, shape: [Int]) -> hid_t? {
        let attribute = H5Aopen(id, name, gs_H5P_DEFAULT())
        guard attribute >= 0 else { _ = H5Eclear2(gs_H5E_DEFAULT()); return nil }
        let type = H5Aget_type(attribute), space = H5Aget_space(attribute)
        defer {
            if type >= 0 { _ = H5Tclose(type) }
            if space >= 0 { _ = H5Sclose(space) }
        }
        let isScalar = space >= 0 && H5Sget_simple_extent_type(space) == H5S_SCALAR
        let matches =
            type >= 0 && space >= 0 && H5Tequal(type, fileType) > 0
            && (shape.isEmpty ? isScalar : !isScalar && HDF5.dimensions(ofSpace: space) == shape)
        if matches { return attribute }
        _ = H5Aclose(attribute)
        _ = H5Eclear2(gs_H5E_DEFAULT())
        return nil
    }

    private func writeStringAttribute(_ name: String, _ values: [String], shape: [Int]) throws(StoreError) {
        if let bad = values.firstIndex(where: containsNUL) {
            throw .invalidArgument(
                file: file.path, object: attributeObject(name),
                detail: "string \(bad) contains a NUL byte")
        }
        let fileType = HDF5.variableStringType()
        guard fileType >= 0 else { throw libraryError("H5Tcopy", object: attributeObject(name)) }
        defer { _ = H5Tclose(fileType) }
        let attribute = try replaceAttribute(name, fileType: fileType, shape: shape)
        defer { _ = H5Aclose(attribute) }
        guard try StringIO.write(values, { H5Awrite(attribute, $0, $1) }) else {
            throw libraryError("H5Awrite", object: attributeObject(name))
        }
    }

    private func writeNumericAttribute<T: H5Element>(_ name: String, _ values: [T], shape: [Int]) throws(StoreError) {
        let attribute = try replaceAttribute(name, fileType: T.elementType.fileType, shape: shape)
        defer { _ = H5Aclose(attribute) }
        let status = values.withUnsafeBytes { H5Awrite(attribute, T.elementType.memoryType, $0.baseAddress) }
        guard status >= 0 else { throw libraryError("H5Awrite", object: attributeObject(name)) }
    }

    private func readNumericAttribute<T: H5Element>(
        _ name: String, storedClass: H5T_class_t, expected: String
    ) throws(StoreError) -> [T] {
        try withAttribute(name) { (attribute, type, _, count) throws(StoreError) in
            guard H5Tget_class(type) == storedClass else {
                throw .typeMismatch(
                    file: file.path, object: attributeObject(name),
                    expected: expected, found: HDF5.describe(type: type))
            }
            var values = [T](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
            let status = values.withUnsafeMutableBytes {
                H5Aread(attribute, T.elementType.memoryType, $0.baseAddress)
            }
            guard status >= 0 else { throw libraryError("H5Aread", object: attributeObject(name)) }
            return values
        }
    }

    /// Opens attribute `name` and calls `body` with its handle, stored type, dataspace and
    /// element count, closing all three afterwards.
    private func withAttribute<R>(
        _ name: String, _ body: (hid_t, hid_t, hid_t, Int) throws(StoreError) -> R
    ) throws(StoreError) -> R {
        let object = attributeObject(name)
        try file.checkOpen(object: object)
        guard hasAttribute(name) else { throw .notFound(file: file.path, object: object) }
        let attribute = H5Aopen(id, name, gs_H5P_DEFAULT())
        guard attribute >= 0 else { throw libraryError("H5Aopen", object: object) }
        defer { _ = H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw libraryError("H5Aget_type", object: object) }
        defer { _ = H5Tclose(type) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw libraryError("H5Aget_space", object: object) }
        defer { _ = H5Sclose(space) }
        let count = H5Sget_simple_extent_npoints(space)
        guard count >= 0 else { throw libraryError("H5Sget_simple_extent_npoints", object: object) }
        return try body(attribute, type, space, Int(count))
    }
}
