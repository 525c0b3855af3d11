import CHDF5

/// What a member of a group is.
package enum H5ObjectKind: Sendable {
    /// A group (``H5Group``).
    case group
    /// A dataset (``H5Dataset``).
    case dataset
    /// A named datatype or anything else this layer does not handle.
    case other
}

/// A group: a folder of groups and datasets, with attributes.
///
/// Member names are relative paths; nested paths such as `"geffect/forget"` are accepted
/// everywhere a name is. Calls that create a dataset create its missing parent groups.
package final class H5Group: H5Object {
    /// Creates a group, and any missing groups on its path (`"a/b"` creates `a` if needed).
    /// Throws ``StoreError/alreadyExists(file:object:)`` if `name` exists already.
    @discardableResult
    package func createGroup(_ name: String) throws(StoreError) -> H5Group {
        try file.checkWritable(object: childPath(name))
        try validateName(name)
        if contains(name) { throw .alreadyExists(file: file.path, object: childPath(name)) }
        return try ensureGroup(name)
    }

    /// Opens an existing group.
    package func group(_ name: String) throws(StoreError) -> H5Group {
        H5Group(file: file, id: try openObject(name, expecting: .group), path: childPath(name))
    }

    /// Opens the group `name`, creating it and any missing groups on its path.
    package func groupCreatingIfNeeded(_ name: String) throws(StoreError) -> H5Group {
        if contains(name) { return try group(name) }
        try file.checkWritable(object: childPath(name))
        try validateName(name)
        return try ensureGroup(name)
    }

    /// Whether a member (group or dataset) exists at the relative path `name`.
    /// False for invalid names and closed files.
    package func contains(_ name: String) -> Bool {
        HDF5.silence()
        guard file.isOpen, !name.isEmpty, !containsNUL(name) else { return false }
        // H5Lexists fails, rather than answering false, when an intermediate group is missing,
        // so test each prefix in turn.
        var prefix = ""
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { return false }
            prefix += prefix.isEmpty ? String(component) : "/" + component
            guard H5Lexists(id, prefix, gs_H5P_DEFAULT()) > 0 else {
                _ = H5Eclear2(gs_H5E_DEFAULT())
                return false
            }
        }
        return true
    }

    /// The names of this group's direct members, sorted. Read in one link iteration (twice when
    /// the first buffer was too small).
    package func memberNames() throws(StoreError) -> [String] {
        try file.checkOpen(object: path)
        var capacity = 4096
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            var needed = 0
            let count = gs_link_names(id, &buffer, capacity, &needed)
            guard count >= 0 else { throw libraryError("H5Literate") }
            guard needed > capacity else {
                let bytes = buffer.prefix(needed).map { UInt8(bitPattern: $0) }
                let names = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast()
                    .map { String(decoding: $0, as: UTF8.self) }
                guard names.count == count else { throw libraryError("H5Literate") }
                return names.sorted()
            }
            capacity = needed
        }
    }

    /// Whether the member `name` is a group or a dataset.
    package func kind(of name: String) throws(StoreError) -> H5ObjectKind {
        let (objectID, kind) = try openObject(name)
        _ = H5Oclose(objectID)
        return kind
    }

    // MARK: Internals

    /// Opens the member `name` and tells its kind; the caller closes the returned handle.
    /// Opens the child `name`, which must be of `kind` (a group or a dataset).
    func openObject(_ name: String, expecting kind: H5ObjectKind) throws(StoreError) -> hid_t {
        let (objectID, found) = try openObject(name)
        guard found == kind else {
            _ = H5Oclose(objectID)
            throw .typeMismatch(file: file.path, object: childPath(name), expected: "\(kind)", found: "\(found)")
        }
        return objectID
    }

    func openObject(_ name: String) throws(StoreError) -> (hid_t, H5ObjectKind) {
        try file.checkOpen(object: childPath(name))
        try validateName(name)
        guard contains(name) else { throw .notFound(file: file.path, object: childPath(name)) }
        let objectID = H5Oopen(id, name, gs_H5P_DEFAULT())
        guard objectID >= 0 else { throw libraryError("H5Oopen", object: childPath(name)) }
        switch H5Iget_type(objectID) {
        case H5I_GROUP: return (objectID, .group)
        case H5I_DATASET: return (objectID, .dataset)
        default: return (objectID, .other)
        }
    }

    /// Opens or creates each group along the relative path `name`, creating without
    /// modification times.
    func ensureGroup(_ name: String) throws(StoreError) -> H5Group {
        var current = self
        for component in name.split(separator: "/").map(String.init) {
            if current.contains(component) {
                current = try current.group(component)
                continue
            }
            let gcpl = HDF5.groupCreationList()
            defer { if gcpl >= 0 { _ = H5Pclose(gcpl) } }
            let target = current.childPath(component)
            guard gcpl >= 0 else { throw libraryError("H5Pcreate", object: target) }
            let groupID = H5Gcreate2(current.id, component, gs_H5P_DEFAULT(), gcpl, gs_H5P_DEFAULT())
            guard groupID >= 0 else { throw libraryError("H5Gcreate2", object: target) }
            current = H5Group(file: file, id: groupID, path: target)
        }
        return current
    }

    /// Splits `name` into the group that should hold it (created if needed) and its last
    /// component.
    func parentCreatingIfNeeded(of name: String) throws(StoreError) -> (H5Group, String) {
        guard let slash = name.lastIndex(of: "/") else { return (self, name) }
        let parent = try ensureGroup(String(name[..<slash]))
        return (parent, String(name[name.index(after: slash)...]))
    }
}
