import CHDF5

/// A group or dataset in an open ``H5File``: what both have in common, a path and attributes
/// (see `Attributes.swift`).
///
/// The object keeps its file alive and releases its HDF5 handle when it goes away.
package class H5Object {
    /// The file this object lives in.
    package let file: H5File
    /// The absolute path of the object inside the file, such as `/geffect/forget/total`.
    package let path: String
    /// The HDF5 handle, for tests that write what gscope never writes (a declared extent without
    /// its rows). Closed when the object goes away.
    package let id: hid_t
    private let ownsID: Bool

    init(file: H5File, id: hid_t, path: String, ownsID: Bool = true) {
        self.file = file
        self.id = id
        self.path = path
        self.ownsID = ownsID
    }

    deinit {
        if ownsID {
            HDF5.silence()
            _ = H5Oclose(id)
        }
    }

    /// The absolute path of `name` taken relative to this object.
    func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// An error for a failed HDF5 call on `object` (default: this object), with HDF5's message.
    func libraryError(_ operation: String, object: String? = nil) -> StoreError {
        .library(
            file: file.path, object: object ?? path, operation: operation,
            detail: HDF5.takeErrorMessage())
    }

    /// Throws unless `name` is a usable relative path: non-empty components separated by `/`.
    func validateName(_ name: String) throws(StoreError) {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !components.contains(where: \.isEmpty), !containsNUL(name) else {
            throw .invalidArgument(
                file: file.path, object: path,
                detail: "invalid member name \"\(name)\"")
        }
    }
}
