import CZlib

/// zlib compression lengths, as Python's `zlib.compress` produces them.
package enum Zlib {
    /// Python's `zlib.compress(data)` default level: `Z_DEFAULT_COMPRESSION` (−1), which zlib maps to 6.
    package static let pythonDefaultLevel: Int32 = 6

    /// `len(zlib.compress(bytes, level))`: the byte length of the zlib stream (2-byte header,
    /// deflate data, 4-byte Adler-32) that libz's `compress2` writes for `bytes` at `level`.
    package static func compressedLength(_ bytes: [UInt8], level: Int32 = pythonDefaultLevel) -> Int {
        var destinationLength = compressBound(uLong(bytes.count))
        var destination = [UInt8](repeating: 0, count: Int(destinationLength))
        let status = bytes.withUnsafeBufferPointer { source in
            compress2(&destination, &destinationLength, source.baseAddress, uLong(bytes.count), level)
        }
        precondition(status == Z_OK, "compress2 failed with status \(status)")
        return Int(destinationLength)
    }

    /// `len(zlib.compress(text.encode("utf-8")))`.
    package static func compressedLength(utf8 text: String, level: Int32 = pythonDefaultLevel) -> Int {
        compressedLength(Array(text.utf8), level: level)
    }
}
