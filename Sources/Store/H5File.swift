import CHDF5

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file.
///
/// The file is closed by ``close()`` or, at the latest, when the last reference to it goes away.
/// Groups and datasets keep their file alive. HDF5 closes the file on disk only once every group
/// and dataset opened in it has been released too.
///
/// Files are written in the HDF5 1.8 object format (readable by HDF5 1.8 and later, h5py, h5dump)
/// or, for files that other processes read while they grow, in the latest format with
/// single-writer/multiple-reader (SWMR) mode (see ``create(_:singleWriterMultipleReaders:)``), and
/// without modification times, so the same sequence of calls produces byte-identical files.
///
/// Not thread-safe: use one file object from one thread at a time.
package final class H5File {
    /// The path as the caller gave it; error messages name the file by it.
    package let path: String
    /// Whether the file was created or opened for writing.
    package let isWritable: Bool
    let id: hid_t
    private(set) var isOpen = true

    private init(path: String, id: hid_t, isWritable: Bool) {
        // Best effort: a failure here only means a child process could inherit the descriptor.
        if gs_set_close_on_exec(id) < 0 { _ = H5Eclear2(gs_H5E_DEFAULT()) }
        self.path = path
        self.id = id
        self.isWritable = isWritable
    }

    deinit {
        if isOpen {
            HDF5.silence()
            _ = H5Fclose(id)
        }
    }

    /// Creates an empty HDF5 file at `path`, replacing any file already there, open for writing.
    ///
    /// With `singleWriterMultipleReaders`, the file is written in HDF5's latest format (HDF5 1.10
    /// and later read it), which SWMR needs: create every group, dataset and attribute, then call
    /// ``startSingleWriterMultipleReaders()``; from then on other processes can read the file while
    /// it grows, and it stays readable after a crash. Until then, or if the writer dies before,
    /// HDF5 refuses to open the file (`h5clear -s` clears the mark): keep that window short.
    package static func create(_ path: String, singleWriterMultipleReaders: Bool = false) throws(StoreError) -> H5File {
        HDF5.silence()
        let fcpl = H5Pcreate(gs_H5P_FILE_CREATE())
        let fapl = H5Pcreate(gs_H5P_FILE_ACCESS())
        defer {
            if fcpl >= 0 { _ = H5Pclose(fcpl) }
            if fapl >= 0 { _ = H5Pclose(fapl) }
        }
        let format = singleWriterMultipleReaders ? gs_H5F_LIBVER_LATEST() : H5F_LIBVER_V18
        // The file-creation list also governs the root group: no modification times there either.
        guard fcpl >= 0, fapl >= 0, H5Pset_obj_track_times(fcpl, false) >= 0,
            H5Pset_libver_bounds(fapl, format, format) >= 0
        else {
            throw .library(
                file: path, object: "", operation: "H5Pcreate",
                detail: HDF5.takeErrorMessage())
        }
        let id = retryingWhileLocked { H5Fcreate(path, gs_H5F_ACC_TRUNC(), fcpl, fapl) }
        guard id >= 0 else {
            throw .cannotOpen(file: path, reason: "cannot create: \(HDF5.takeErrorMessage())")
        }
        return H5File(path: path, id: id, isWritable: true)
    }

    /// Switches a file made by ``create(_:singleWriterMultipleReaders:)`` with
    /// `singleWriterMultipleReaders` into SWMR writing: everything so far is flushed, and readers
    /// (``open(_:writable:)``, h5py's `File(path, "r", libver="latest", swmr=True)`) can open the
    /// file and read it while rows are appended. From here on, append rows and overwrite the
    /// values of existing attributes (``H5Group/setAttribute(_:_:)-(String,Double)`` with the same
    /// type and shape writes in place); HDF5 1.10 does not support creating objects or attributes.
    package func startSingleWriterMultipleReaders() throws(StoreError) {
        try checkWritable(object: "/")
        guard H5Fstart_swmr_write(id) >= 0 else {
            throw .library(
                file: path, object: "", operation: "H5Fstart_swmr_write",
                detail: HDF5.takeErrorMessage())
        }
    }

    /// Opens an existing HDF5 file, read-only unless `writable` is true.
    ///
    /// A read-only open takes no lock and reads in HDF5's single-writer/multiple-reader mode when
    /// the file allows it, so it can read a run file that another process is still appending to
    /// (or that a killed run left). When a writer that does not use SWMR has the file open, the
    /// open is retried for about a second before it fails. A writable open locks the file as
    /// HDF5 normally does.
    ///
    /// Throws ``StoreError/cannotOpen(file:reason:)`` naming the path when the file is missing,
    /// is not an HDF5 file, or cannot be opened.
    /// How many times a SWMR reader tries a metadata read before it gives up.
    static let readAttempts: UInt32 = 16

    package static func open(_ path: String, writable: Bool = false) throws(StoreError) -> H5File {
        HDF5.silence()
        guard access(path, F_OK) == 0 else {
            throw .cannotOpen(file: path, reason: "no such file")
        }
        let isHDF5 = H5Fis_hdf5(path)
        if isHDF5 == 0 {
            throw .cannotOpen(file: path, reason: "not an HDF5 file")
        }
        if isHDF5 < 0 {
            throw .cannotOpen(file: path, reason: "cannot read: \(HDF5.takeErrorMessage())")
        }
        let fapl = H5Pcreate(gs_H5P_FILE_ACCESS())
        defer { if fapl >= 0 { _ = H5Pclose(fapl) } }
        // A SWMR reader retries a metadata read whose checksum fails (the writer may be halfway
        // through a flush), sleeping twice as long each time: HDF5's 100 attempts make a damaged
        // file hang for minutes. 16 attempts cover a flush in progress (about 65 ms in all).
        guard fapl >= 0,
            writable
                || (H5Pset_file_locking(fapl, false, true) >= 0
                    && H5Pset_metadata_read_attempts(fapl, Self.readAttempts) >= 0)
        else {
            throw .library(
                file: path, object: "", operation: "H5Pcreate",
                detail: HDF5.takeErrorMessage())
        }
        let id: hid_t
        if writable {
            id = retryingWhileLocked { H5Fopen(path, gs_H5F_ACC_RDWR(), fapl) }
        } else {
            id = retryingWhileWritten {
                // SWMR reading works on files being (or last) written in SWMR mode and on closed
                // files in any format; a plain read-only open covers whatever else HDF5 allows.
                let swmr = H5Fopen(path, gs_H5F_ACC_RDONLY() | gs_H5F_ACC_SWMR_READ(), fapl)
                if swmr >= 0 { return swmr }
                _ = H5Eclear2(gs_H5E_DEFAULT())
                return H5Fopen(path, gs_H5F_ACC_RDONLY(), fapl)
            }
        }
        guard id >= 0 else {
            throw .cannotOpen(file: path, reason: "cannot open: \(HDF5.takeErrorMessage())")
        }
        return H5File(path: path, id: id, isWritable: writable)
    }

    /// The root group `/`.
    package var root: H5Group {
        H5Group(file: self, id: id, path: "/", ownsID: false)
    }

    /// Writes everything buffered for this file to disk.
    package func flush() throws(StoreError) {
        try checkOpen(object: "/")
        guard H5Fflush(id, H5F_SCOPE_LOCAL) >= 0 else {
            throw .library(
                file: path, object: "", operation: "H5Fflush",
                detail: HDF5.takeErrorMessage())
        }
    }

    /// Closes the file. Later calls on it, or on groups and datasets in it, throw; closing twice
    /// does nothing.
    package func close() throws(StoreError) {
        guard isOpen else { return }
        HDF5.silence()
        isOpen = false
        guard H5Fclose(id) >= 0 else {
            throw .library(
                file: path, object: "", operation: "H5Fclose",
                detail: HDF5.takeErrorMessage())
        }
    }

    /// Calls `open` until it succeeds or fails for a reason other than HDF5's file lock, for at
    /// most about a second.
    ///
    /// HDF5 locks files with flock(2), and a child process forked by another thread (Foundation's
    /// `Process`) shares the parent's open files, and so its locks, until it calls exec: a file
    /// closed here a moment ago can look locked for a few milliseconds. A writer that really holds
    /// the file still fails after the last attempt.
    private static func retryingWhileLocked(_ open: () -> hid_t) -> hid_t {
        var id = open()
        var attempts = 1
        while id < 0, attempts < 20, HDF5.errorIsLockFailure() {
            _ = H5Eclear2(gs_H5E_DEFAULT())
            usleep(50_000)
            id = open()
            attempts += 1
        }
        return id
    }

    /// Calls a read-only `open` until it succeeds or fails for a reason other than a writer that
    /// has the file open outside SWMR mode (HDF5: "file is already open for write"), for at most
    /// about a second: such a writer holds a run file only for moments (while it creates the
    /// file's objects). A file left so by a crashed writer still fails after the last attempt.
    private static func retryingWhileWritten(_ open: () -> hid_t) -> hid_t {
        var id = open()
        var attempts = 1
        while id < 0, attempts < 20, HDF5.errorMentions("already open for write") {
            _ = H5Eclear2(gs_H5E_DEFAULT())
            usleep(50_000)
            id = open()
            attempts += 1
        }
        return id
    }

    /// How many HDF5 handles are open in this file: the file itself plus every group, dataset and
    /// attribute handle. For tests that check nothing leaks.
    package var openHandleCount: Int {
        Int(H5Fget_obj_count(id, gs_H5F_OBJ_ALL()))
    }

    /// Silences HDF5 on this thread and throws if the file has been closed.
    func checkOpen(object: String) throws(StoreError) {
        HDF5.silence()
        guard isOpen else {
            throw .invalidArgument(file: path, object: object, detail: "the file has been closed")
        }
    }

    /// Throws unless the file is open for writing.
    func checkWritable(object: String) throws(StoreError) {
        try checkOpen(object: object)
        guard isWritable else {
            throw .invalidArgument(file: path, object: object, detail: "the file is open read-only")
        }
    }
}
