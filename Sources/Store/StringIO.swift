import CHDF5

/// Reading and writing strings, shared by attributes and datasets.
///
/// Store writes variable-length UTF-8 strings. It reads variable-length strings and also
/// fixed-length ones (as other tools write), in either character set.
enum StringIO {
    /// Writes `values` through `write`, which receives the memory type and the buffer of C string
    /// pointers. Returns false (with HDF5's error stack set) on failure.
    static func write(
        _ values: [String], _ write: (hid_t, UnsafeRawPointer) -> herr_t
    ) throws(StoreError) -> Bool {
        let type = HDF5.variableStringType()
        guard type >= 0 else { return false }
        defer { _ = H5Tclose(type) }
        return try HDF5.withCStringArray(values) { pointers in
            write(type, UnsafeRawPointer(pointers)) >= 0
        }
    }

    /// Reads `count` strings stored with the HDF5 type `storedType` in dataspace `space`, through
    /// `read`, which receives the memory type and a buffer. Returns nil (with HDF5's error stack
    /// set) on failure.
    static func read(
        count: Int, storedType: hid_t, space: hid_t,
        _ read: (hid_t, UnsafeMutableRawPointer) -> herr_t
    ) -> [String]? {
        let variable = H5Tis_variable_str(storedType)
        guard variable >= 0 else { return nil }
        let cset = H5Tget_cset(storedType)
        if variable > 0 {
            let memoryType = HDF5.variableStringType()
            guard memoryType >= 0 else { return nil }
            defer { _ = H5Tclose(memoryType) }
            // HDF5 does not convert between character sets: read in the stored one.
            guard H5Tset_cset(memoryType, cset) >= 0 else { return nil }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: max(count, 1))
            return pointers.withUnsafeMutableBufferPointer { buffer -> [String]? in
                guard read(memoryType, buffer.baseAddress!) >= 0 else { return nil }
                let strings = buffer.prefix(count).map { $0.map { String(cString: $0) } ?? "" }
                _ = gs_vlen_reclaim(memoryType, space, buffer.baseAddress!)
                return strings
            }
        }
        // Fixed-length strings: `size` bytes each, padded with NULs or spaces.
        let memoryType = H5Tcopy(storedType)
        guard memoryType >= 0 else { return nil }
        defer { _ = H5Tclose(memoryType) }
        let size = H5Tget_size(storedType)
        let spacePadded = H5Tget_strpad(storedType) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: max(count * size, 1))
        let ok = bytes.withUnsafeMutableBytes { read(memoryType, $0.baseAddress!) >= 0 }
        guard ok else { return nil }
        return (0..<count).map { index in
            var field = bytes[(index * size)..<((index + 1) * size)]
            if let nul = field.firstIndex(of: 0) { field = field[..<nul] }
            if spacePadded { while field.last == 0x20 { field = field.dropLast() } }
            return String(decoding: field, as: UTF8.self)
        }
    }
}
