import ArgumentParser
import Foundation

/// An output directory (`--out`) that belongs to this process for as long as it runs.
///
/// ``claim(_:)`` creates the directory if needed and takes an exclusive `flock` on its lock file
/// `.gscope.lock` (which holds the owner's process id) before the command opens, truncates or
/// deletes anything in it. A second gscope process that claims the same directory stops at once
/// with exit status 2: "OUT is in use by process N". The lock goes with the process (an exit, a
/// crash or a kill releases it); the descriptor is close-on-exec, so child processes (gnuplot)
/// do not hold it.
enum OutputDirectory {
    /// The lock file's name inside an output directory.
    static let lockFileName = ".gscope.lock"

    /// Lock descriptors held until the process exits, by directory path.
    nonisolated(unsafe) private static var held: [String: Int32] = [:]

    /// Creates `path` (and missing parents) and locks it for this process. Claiming a directory
    /// this process already holds does nothing.
    ///
    /// Throws ``ExitCode`` 2 after printing "PATH is in use by process N" when another process
    /// holds it, and ``ExitCode`` 1 after printing one line naming the path and the reason when
    /// the directory cannot be created or the lock file cannot be written.
    static func claim(_ path: String) throws {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        guard held[key] == nil else { return }
        if let (failed, reason) = makeDirectories(path) {
            throw fail("\(failed): cannot create the output directory: \(reason)", exitCode: 1)
        }
        let lockPath = path + "/" + lockFileName
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw fail("\(path): cannot write in the output directory: \(String(cString: strerror(errno)))", exitCode: 1)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let owner = readOwner(descriptor)
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw fail("\(path) is in use by process \(owner.map(String.init) ?? "(unknown)")", exitCode: 2)
            }
            throw fail("\(lockPath): cannot lock: \(String(cString: strerror(reason)))", exitCode: 1)
        }
        let pid = Data("\(getpid())\n".utf8)
        let written = pid.withUnsafeBytes { ftruncate(descriptor, 0) == 0 ? pwrite(descriptor, $0.baseAddress, $0.count, 0) : -1 }
        guard written == pid.count else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw fail("\(lockPath): cannot write: \(reason)", exitCode: 1)
        }
        held[key] = descriptor
    }

    /// The process id written in a lock file, if it holds one.
    private static func readOwner(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `mkdir -p`: nil on success, else the path that could not be made and the system's reason.
    private static func makeDirectories(_ path: String) -> (String, String)? {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o777) == 0 { continue }
            let reason = errno
            var isDirectory: ObjCBool = false
            if reason == EEXIST, FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                if isDirectory.boolValue { continue }
                return (prefix, "a file of that name is in the way")
            }
            return (prefix, String(cString: strerror(reason)))
        }
        return nil
    }
}
