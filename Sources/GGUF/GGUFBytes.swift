import Foundation

/// The bytes of a GGUF file, read-only: either the file mapped into memory with `mmap` (so opening
/// a 100 MB model costs no copy and pages are read as tensors are used) or bytes held in memory.
/// Immutable once made, so it is shared freely between threads.
final class GGUFBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: () -> Void

    /// Maps the file at `path`.
    init(mapping path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw GGUFError(
                file: path,
                FileManager.default.fileExists(atPath: path)
                    ? "cannot open the file (\(reason))" : "no such file")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError(file: path, "cannot stat the file") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(file: path, "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            let empty = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            base = UnsafeRawPointer(empty); count = 0
            release = { empty.deallocate() }
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw GGUFError(file: path, "cannot map the file into memory (\(String(cString: strerror(errno))))")
        }
        base = UnsafeRawPointer(p); count = size
        release = { munmap(p, size) }
    }

    /// A copy of `bytes`, 64-byte aligned.
    init(copying bytes: some Collection<UInt8>) {
        let n = bytes.count
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1), alignment: 64)
        UnsafeMutableRawBufferPointer(start: p, count: n).copyBytes(from: bytes)
        base = UnsafeRawPointer(p); count = n
        release = { p.deallocate() }
    }

    deinit { release() }
}

/// Reads little-endian values from the header part of a GGUF file, front to back, and says where
/// the file ends too early.
struct GGUFCursor {
    let bytes: GGUFBytes
    let file: String
    var offset = 0

    /// The offset after `n` more bytes, or an error saying what was being read.
    mutating func advance(_ n: Int, reading what: @autoclosure () -> String) throws(GGUFError) -> Int {
        let start = offset
        guard n >= 0, n <= bytes.count - start else {
            throw GGUFError(file: file, "truncated: \(what()) needs bytes \(start)..<\(start &+ n), the file has \(bytes.count)")
        }
        offset = start + n
        return start
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        let at = try advance(MemoryLayout<T>.size, reading: what())
        return T(littleEndian: bytes.base.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    /// A GGUF string: u64 length, then UTF-8 bytes.
    mutating func string(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try load(UInt64.self, what())
        guard length <= UInt64(bytes.count) else {
            throw GGUFError(
                file: file,
                "truncated: \(what()) is a string of \(length) bytes at offset \(offset - 8), the file has \(bytes.count)")
        }
        let at = try advance(Int(length), reading: what())
        let buffer = UnsafeRawBufferPointer(start: bytes.base + at, count: Int(length))
        guard let s = String(validating: buffer, as: UTF8.self) else {
            throw GGUFError(file: file, "\(what()) is not valid UTF-8 (offset \(at))")
        }
        return s
    }
}
