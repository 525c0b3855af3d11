import Foundation
import NumericCore

/// Writes a set of files as one directory, all or nothing: everything goes into a temporary
/// sibling directory first, which is renamed into place at the end, so a failure leaves nothing
/// half-written. An existing non-empty directory is refused unless `force` is set (it is then
/// replaced).
public enum GeneratedDirectory {
    /// Throws a `DataError` if `path` exists, is not an empty directory, and `force` is false.
    public static func checkWritable(_ path: String, force: Bool) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw DataError(file: path, "exists and is not a directory") }
        let contents = (try? fm.contentsOfDirectory(atPath: path)) ?? []
        if !contents.isEmpty && !force {
            throw DataError(file: path, "directory exists and is not empty (use --force to replace it)")
        }
    }

    /// Writes `files` (name → bytes) as the directory `path`.
    public static func write(_ files: [(name: String, data: Data)], to path: String, force: Bool) throws {
        try checkWritable(path, force: force)
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw DataError(file: parent.path, "cannot create the parent directory: \(error.localizedDescription)")
        }
        let temp = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64(Date().timeIntervalSince1970 * 1e6))")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
            for file in files {
                try file.data.write(to: temp.appendingPathComponent(file.name))
            }
            if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
            try fm.moveItem(at: temp, to: target)
        } catch {
            try? fm.removeItem(at: temp)
            throw DataError(file: path, "cannot write the data set: \(error.localizedDescription)")
        }
    }
}
