import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Foundation's file errors in one readable line. `Data.write`, `FileManager` and friends throw
/// `NSError`s (`CocoaError`, `POSIXError`) whose default text is a dump (`Error
/// Domain=NSCocoaErrorDomain Code=642 "…" UserInfo={…}`); this gives the path and the cause,
/// e.g. `runs/x/eval.json: Permission denied`.
package enum FileErrorText {
    /// The path and cause of a Foundation error (Cocoa or POSIX domain), or nil for any other
    /// error. The cause is the underlying POSIX error's `strerror` when there is one.
    package static func parts(of error: any Error) -> (path: String?, cause: String)? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        if ns.domain == NSPOSIXErrorDomain { return (path, posixText(Int32(truncatingIfNeeded: ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return (path, posixText(Int32(truncatingIfNeeded: posix.code))) }
        }
        return (path, cocoaText(ns))
    }

    /// `path: cause` (or the cause alone) for a Foundation error; `"\(error)"` for any other.
    package static func line(_ error: any Error) -> String {
        guard let (path, cause) = parts(of: error) else { return "\(error)" }
        return path.map { "\($0): \(cause)" } ?? cause
    }

    /// The cause of a Foundation error without a path: `Permission denied`, or `"\(error)"` for
    /// any other error (for messages that name the path themselves).
    package static func cause(_ error: any Error) -> String {
        parts(of: error)?.cause ?? "\(error)"
    }

    private static func posixText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// A few words for the Cocoa file error codes, else Foundation's description without its
    /// boilerplate.
    private static func cocoaText(_ ns: NSError) -> String {
        switch ns.code {
        case CocoaError.fileNoSuchFile.rawValue, CocoaError.fileReadNoSuchFile.rawValue: return posixText(ENOENT)
        case CocoaError.fileReadNoPermission.rawValue, CocoaError.fileWriteNoPermission.rawValue: return posixText(EACCES)
        case CocoaError.fileWriteOutOfSpace.rawValue: return posixText(ENOSPC)
        case CocoaError.fileWriteVolumeReadOnly.rawValue: return posixText(EROFS)
        case CocoaError.fileWriteFileExists.rawValue: return posixText(EEXIST)
        case CocoaError.fileReadTooLarge.rawValue: return posixText(EFBIG)
        default:
            let text = ns.userInfo[NSDebugDescriptionErrorKey] as? String ?? ns.localizedDescription
            return text.replacingOccurrences(of: "The operation could not be completed. ", with: "")
        }
    }
}
