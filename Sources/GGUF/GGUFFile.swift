import Foundation

// The GGUF format (ggml's docs/gguf.md), all little-endian:
//
//     magic "GGUF" | u32 version (2 or 3) | u64 tensor count | u64 metadata count
//     metadata: count × (string key, u32 value type, value)          (see GGUFValue)
//     tensor infos: count × (string name, u32 n_dims, n_dims × u64 ne, u32 ggml type, u64 offset)
//     padding to `general.alignment` (default 32)
//     data section: each tensor at its offset (a multiple of the alignment) from the section's start
//
// Version 1 (32-bit counts and lengths) is obsolete and refused.

/// A GGUF file, mapped into memory, with its metadata and tensor table read and checked: every
/// tensor's type is known, its row length is a whole number of blocks, its offset is aligned and its
/// bytes lie inside the file. Tensors are converted to `Float` on request (`floats(_:)`).
package struct GGUFFile: Sendable {
    /// The path the file was read from (or a label for bytes in memory), used in error messages.
    package let path: String
    /// The format version (2 or 3).
    package let version: UInt32
    /// Metadata keys in file order.
    package let metadataKeys: [String]
    /// Metadata by key.
    package let metadata: [String: GGUFValue]
    /// The tensor table in file order.
    package let tensors: [GGUFTensorInfo]
    /// `general.alignment`, or 32 when absent.
    package let alignment: Int
    /// Offset of the data section from the start of the file.
    package let dataOffset: Int
    /// The file's size in bytes.
    package var fileSize: Int { bytes.count }

    let bytes: GGUFBytes
    private let index: [String: Int]

    /// The magic number, the bytes "GGUF".
    package static let magic: [UInt8] = Array("GGUF".utf8)
    package static let defaultAlignment = 32

    /// Maps and reads the file at `path`.
    package init(path: String) throws(GGUFError) {
        try self.init(bytes: GGUFBytes(mapping: path), path: path)
    }

    /// Reads a GGUF file held in memory; `label` names it in errors.
    package init(bytes: [UInt8], label: String = "<memory>") throws(GGUFError) {
        try self.init(bytes: GGUFBytes(copying: bytes), path: label)
    }

    init(bytes: GGUFBytes, path: String) throws(GGUFError) {
        func fail(_ message: String) -> GGUFError { GGUFError(file: path, message) }
        var cursor = GGUFCursor(bytes: bytes, file: path)
        guard bytes.count >= 4 else { throw fail("truncated: \(bytes.count) bytes, shorter than the 4-byte magic") }
        let head = (0..<4).map { bytes.base.load(fromByteOffset: $0, as: UInt8.self) }
        guard head == Self.magic else {
            throw fail(
                "not a GGUF file: the first bytes are \(head.map { String(format: "%02X", $0) }.joined(separator: " ")), expected 47 47 55 46 (\"GGUF\")"
            )
        }
        _ = try cursor.advance(4, reading: "the magic")
        let version = try cursor.load(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            throw fail("GGUF version \(version) is not supported (this reader reads versions 2 and 3)")
        }
        let tensorCount = try cursor.load(UInt64.self, "the tensor count")
        let keyCount = try cursor.load(UInt64.self, "the metadata count")
        // Each metadata entry needs at least 12 bytes and each tensor info at least 24.
        guard keyCount <= UInt64(bytes.count / 12), tensorCount <= UInt64(bytes.count / 24) else {
            throw fail(
                "truncated or corrupt: the header announces \(tensorCount) tensors and \(keyCount) metadata entries, more than \(bytes.count) bytes can hold"
            )
        }

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for k in 0..<Int(keyCount) {
            let key = try cursor.string("the key of metadata entry \(k)")
            let rawType = try cursor.load(UInt32.self, "the type of metadata \(key)")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw fail("metadata \(key): unknown value type \(rawType) (known: 0–12)")
            }
            let value = try Self.readValue(type, key: key, cursor: &cursor, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else { throw fail("metadata \(key) appears twice") }
            keys.append(key)
        }

        var alignment = Self.defaultAlignment
        if let a = metadata["general.alignment"] {
            guard case .uint32(let v) = a, v > 0, v & (v - 1) == 0 else {
                throw fail("metadata general.alignment must be a u32 power of two, found \(a.type) \(a.summary())")
            }
            alignment = Int(v)
        }

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for t in 0..<Int(tensorCount) {
            let name = try cursor.string("the name of tensor \(t)")
            let rank = try cursor.load(UInt32.self, "the dimension count of tensor \(name)")
            guard rank >= 1, rank <= 4 else { throw fail("tensor \(name): \(rank) dimensions, ggml allows 1 to 4") }
            var dimensions: [Int] = []
            for _ in 0..<rank {
                let d = try cursor.load(UInt64.self, "the dimensions of tensor \(name)")
                guard d <= UInt64(Int32.max) else { throw fail("tensor \(name): dimension \(d) is too large") }
                dimensions.append(Int(d))
            }
            let rawType = try cursor.load(UInt32.self, "the type of tensor \(name)")
            guard let type = GGMLType(rawValue: rawType) else {
                throw fail("tensor \(name): unknown ggml type \(rawType)")
            }
            let offset = try cursor.load(UInt64.self, "the offset of tensor \(name)")
            guard dimensions[0] % type.blockSize == 0 else {
                throw fail(
                    "tensor \(name): row length \(dimensions[0]) is not a multiple of the \(type) block size \(type.blockSize)")
            }
            var elements = 1
            for d in dimensions {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, p <= Int(Int32.max) * 64 else { throw fail("tensor \(name): shape \(dimensions) is too large") }
                elements = p
            }
            guard offset % UInt64(alignment) == 0 else {
                throw fail("tensor \(name): data offset \(offset) is not a multiple of the alignment \(alignment)")
            }
            guard offset <= UInt64(Int.max / 4) else { throw fail("tensor \(name): data offset \(offset) is too large") }
            guard index.updateValue(tensors.count, forKey: name) == nil else { throw fail("tensor \(name) appears twice") }
            tensors.append(GGUFTensorInfo(name: name, dimensions: dimensions, type: type, offset: Int(offset)))
        }

        let dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        for info in tensors {
            let start = dataOffset + info.offset, end = start + info.byteCount
            guard end <= bytes.count else {
                throw fail("truncated: tensor \(info.name) needs bytes \(start)..<\(end), the file has \(bytes.count)")
            }
        }

        self.path = path
        self.version = version
        self.metadataKeys = keys
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.bytes = bytes
        self.index = index
    }

    /// One metadata value of type `type`; arrays recurse (at most a few levels deep).
    static func readValue(_ type: GGUFValueType, key: String, cursor: inout GGUFCursor, depth: Int) throws(GGUFError) -> GGUFValue
    {
        let what = "metadata \(key)"
        switch type {
        case .uint8: return .uint8(try cursor.load(UInt8.self, what))
        case .int8: return .int8(try cursor.load(Int8.self, what))
        case .uint16: return .uint16(try cursor.load(UInt16.self, what))
        case .int16: return .int16(try cursor.load(Int16.self, what))
        case .uint32: return .uint32(try cursor.load(UInt32.self, what))
        case .int32: return .int32(try cursor.load(Int32.self, what))
        case .uint64: return .uint64(try cursor.load(UInt64.self, what))
        case .int64: return .int64(try cursor.load(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try cursor.load(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try cursor.load(UInt64.self, what)))
        case .bool:
            let b = try cursor.load(UInt8.self, what)
            guard b <= 1 else { throw GGUFError(file: cursor.file, "\(what): bool byte is \(b), expected 0 or 1") }
            return .bool(b == 1)
        case .string: return .string(try cursor.string(what))
        case .array:
            guard depth < 4 else { throw GGUFError(file: cursor.file, "\(what): arrays nested more than 4 deep") }
            let rawType = try cursor.load(UInt32.self, what)
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw GGUFError(file: cursor.file, "\(what): unknown array element type \(rawType) (known: 0–12)")
            }
            let count = try cursor.load(UInt64.self, what)
            guard count <= UInt64(cursor.bytes.count - cursor.offset) else {
                throw GGUFError(
                    file: cursor.file,
                    "truncated: \(what) announces \(count) elements at offset \(cursor.offset - 12), the file has \(cursor.bytes.count) bytes"
                )
            }
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { elements.append(try readValue(elementType, key: key, cursor: &cursor, depth: depth + 1)) }
            return .array(elementType: elementType, elements)
        }
    }

    // MARK: Tensors

    /// The table entry of tensor `name`.
    package func tensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let i = index[name] else {
            throw GGUFError(
                file: path,
                "no tensor named \(name) (the file holds \(tensors.count) tensors\(tensors.isEmpty ? "" : ", e.g. \(tensors[0].name)"))"
            )
        }
        return tensors[i]
    }

    package func contains(tensor name: String) -> Bool { index[name] != nil }

    /// The raw bytes of a tensor (valid as long as this file value lives).
    package func withRawBytes<R>(of info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(bytes) {
            try body(UnsafeRawBufferPointer(start: bytes.base + dataOffset + info.offset, count: info.byteCount))
        }
    }

    /// Tensor `name` as `Float`s, in ggml's element order (row `r` of a 2-D tensor is elements
    /// `r·ne[0] ..< (r+1)·ne[0]`, i.e. row-major over `shape`). Throws for a type that is not
    /// dequantizable, naming the tensor.
    package func floats(_ name: String) throws(GGUFError) -> [Float] {
        try floats(tensor(name))
    }

    /// The tensor of `info` as `Float`s (see `floats(_:)`).
    package func floats(_ info: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        try checkDequantizable(info)
        if info.elementCount == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, initialized in
            withRawBytes(of: info) { raw in
                GGUFDequantizer.dequantize(info.type, from: raw.baseAddress!, count: info.elementCount, into: buffer.baseAddress!)
            }
            initialized = info.elementCount
        }
    }

    /// Dequantizes the tensor of `info` into `destination` (exactly `info.elementCount` floats).
    package func dequantize(_ info: GGUFTensorInfo, into destination: UnsafeMutableBufferPointer<Float>) throws(GGUFError) {
        try checkDequantizable(info)
        guard destination.count == info.elementCount else {
            throw GGUFError(
                file: path, "tensor \(info.name): \(info.elementCount) elements, the destination holds \(destination.count)")
        }
        if info.elementCount == 0 { return }
        withRawBytes(of: info) { raw in
            GGUFDequantizer.dequantize(
                info.type, from: raw.baseAddress!, count: info.elementCount, into: destination.baseAddress!)
        }
    }

    func checkDequantizable(_ info: GGUFTensorInfo) throws(GGUFError) {
        guard info.type.isDequantizable else {
            throw GGUFError(
                file: path,
                "tensor \(info.name): type \(info.type) is not supported (gscope dequantizes \(GGMLType.dequantizable.map(\.description).joined(separator: ", ")))"
            )
        }
    }
}
