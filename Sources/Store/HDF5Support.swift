import CHDF5

/// Internal helpers around the HDF5 C library: error-stack handling, property lists, dataspaces
/// and C string arrays. Nothing here is public.
enum HDF5 {
    /// Turns off HDF5's automatic printing of its error stack to stderr.
    ///
    /// The Debian build of HDF5 is thread-safe, and a thread-safe HDF5 keeps one error stack, with
    /// its own printing setting, per thread. So this is called at the start of every Store
    /// operation rather than once; it costs one cheap library call.
    static func silence() {
        _ = withoutExitCleanup
        _ = H5Eset_auto2(gs_H5E_DEFAULT(), nil, nil)
    }

    /// Tells HDF5, before its first use, not to close what is still open from an exit handler.
    ///
    /// After a failed write (a full disk, a file-size limit) HDF5's handles of that file can be
    /// left half-closed, and its exit-time clean-up then crashed the process (a segfault after the
    /// right error message). Store closes its files itself (``H5File/close()`` or when the last
    /// reference goes away), so nothing is lost by skipping that clean-up.
    private static let withoutExitCleanup: Void = { _ = H5dont_atexit() }()

    /// The messages on this thread's HDF5 error stack, outermost (the API call) first, joined as
    /// `outer: inner`; the stack is cleared afterwards.
    static func takeErrorMessage() -> String {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { pointer in
            _ = H5Ewalk2(
                gs_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
                { _, error, clientData in
                    guard let error, let clientData, let desc = error.pointee.desc else { return 0 }
                    let list = clientData.assumingMemoryBound(to: [String].self)
                    let text = String(cString: desc)
                    if !text.isEmpty && list.pointee.last != text { list.pointee.append(text) }
                    return 0
                }, pointer)
        }
        _ = H5Eclear2(gs_H5E_DEFAULT())
        // A failed read or write of the file itself ends in the driver's message, which carries
        // the system's reason: "file write failed: time = …, errno = 28, error message = 'No
        // space left on device', …". Only that reason is kept from it.
        if let index = messages.lastIndex(where: { systemReason(in: $0) != nil }) {
            messages[index] = systemReason(in: messages[index])!
        }
        switch messages.count {
        case 0: return ""
        case 1: return messages[0]
        default: return "\(messages[0]): \(messages[messages.count - 1])"
        }
    }

    /// The text of `error message = '…'` in an HDF5 driver message, or nil.
    static func systemReason(in message: String) -> String? {
        let parts = message.split(separator: "error message = '", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let end = parts[1].firstIndex(of: "'") else { return nil }
        return String(parts[1][..<end])
    }

    /// Whether a message on this thread's HDF5 error stack contains `text`. Leaves the stack as
    /// it is.
    static func errorMentions(_ text: String) -> Bool {
        var context = (text: text, found: false)
        withUnsafeMutablePointer(to: &context) { pointer in
            _ = H5Ewalk2(
                gs_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
                { _, error, clientData in
                    guard let error, let clientData, let desc = error.pointee.desc else { return 0 }
                    let context = clientData.assumingMemoryBound(to: (text: String, found: Bool).self)
                    if String(cString: desc).contains(context.pointee.text) { context.pointee.found = true }
                    return 0
                }, pointer)
        }
        return context.found
    }

    /// Whether this thread's HDF5 error stack holds a failure to lock a file (another open of
    /// the same file holds HDF5's flock). Leaves the stack as it is.
    static func errorIsLockFailure() -> Bool {
        var found = false
        withUnsafeMutablePointer(to: &found) { pointer in
            _ = H5Ewalk2(
                gs_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
                { _, error, clientData in
                    guard let error, let clientData else { return 0 }
                    if error.pointee.min_num == gs_H5E_CANTLOCKFILE() {
                        clientData.assumingMemoryBound(to: Bool.self).pointee = true
                    }
                    return 0
                }, pointer)
        }
        return found
    }

    /// A group-creation property list that does not record modification times, so identical calls
    /// give identical files. The caller closes it.
    static func groupCreationList() -> hid_t {
        let plist = H5Pcreate(gs_H5P_GROUP_CREATE())
        if plist >= 0 { _ = H5Pset_obj_track_times(plist, false) }
        return plist
    }

    /// A dataset-creation property list that does not record modification times. The caller
    /// closes it.
    static func datasetCreationList() -> hid_t {
        let plist = H5Pcreate(gs_H5P_DATASET_CREATE())
        if plist >= 0 { _ = H5Pset_obj_track_times(plist, false) }
        return plist
    }

    /// The dimensions of a dataspace (empty for a scalar dataspace), or nil on error.
    static func dimensions(ofSpace space: hid_t) -> [Int]? {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { return nil }
        if rank == 0 { return [] }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { return nil }
        return dims.map { Int($0) }
    }

    /// A scalar dataspace for `shape == []`, otherwise a simple dataspace of that shape whose
    /// maximum equals its size. The caller closes it.
    static func createSpace(_ shape: [Int]) -> hid_t {
        if shape.isEmpty { return H5Screate(H5S_SCALAR) }
        let dims = shape.map { hsize_t($0) }
        return H5Screate_simple(Int32(dims.count), dims, nil)
    }

    /// A variable-length UTF-8 string type, the kind h5py reads as `str`. The caller closes it.
    static func variableStringType() -> hid_t {
        let type = H5Tcopy(gs_H5T_C_S1())
        guard type >= 0 else { return type }
        if H5Tset_size(type, gs_H5T_VARIABLE()) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 {
            _ = H5Tclose(type)
            return -1
        }
        return type
    }

    /// Calls `body` with a C array of pointers to NUL-terminated UTF-8 copies of `strings`, valid
    /// only during the call.
    static func withCStringArray<R>(
        _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) throws(StoreError) -> R
    ) throws(StoreError) -> R {
        let bytes = strings.reduce(0) { $0 + $1.utf8.count + 1 }
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes, 1))
        defer { storage.deallocate() }
        var pointers = [UnsafePointer<CChar>?]()
        pointers.reserveCapacity(max(strings.count, 1))
        var offset = 0
        for string in strings {
            let start = storage + offset
            for byte in string.utf8 {
                storage[offset] = CChar(bitPattern: byte)
                offset += 1
            }
            storage[offset] = 0
            offset += 1
            pointers.append(UnsafePointer(start))
        }
        if pointers.isEmpty { pointers.append(nil) }   // never read; keeps the base address valid
        return try pointers.withUnsafeBufferPointer { (buffer) throws(StoreError) -> R in
            try body(buffer.baseAddress!)
        }
    }

    /// Describes an HDF5 datatype the way errors and ``H5ElementType`` name them: `float32`,
    /// `int64`, `uint8`, `string`, or something like `int16` or `compound` for types this layer
    /// does not read.
    static func describe(type: hid_t) -> String {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT: return "float\(size * 8)"
        case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ARRAY: return "array"
        case H5T_ENUM: return "enum"
        case H5T_VLEN: return "variable-length sequence"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_BITFIELD: return "bitfield"
        case H5T_TIME: return "time"
        default: return "unknown type"
        }
    }
}

/// Checks that a string can be stored as a C string.
func containsNUL(_ string: String) -> Bool {
    string.utf8.contains(0)
}
