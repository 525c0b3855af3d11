import Foundation
import GGUF
import NumericCore

// The safetensors format (https://github.com/huggingface/safetensors):
//
//     u64 little-endian N | N bytes of UTF-8 JSON header | data section
//
// The header maps each tensor name to `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`
// (offsets relative to the start of the data section, `end` exclusive) and may hold string-to-string
// `"__metadata__"`. Data is little-endian, row-major, and the tensors tile the data section exactly:
// no gaps, no overlaps, no trailing bytes. The reference writer pads the header with spaces so that
// the data section starts at a multiple of 8 bytes.

/// Element types of the safetensors format.
package enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case i64 = "I64", u64 = "U64", f64 = "F64"

    /// Bytes per element.
    package var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .i64, .u64, .f64: 8
        }
    }

    /// Element types `SafetensorsFile.floats(_:)` and `doubles(_:)` convert from.
    package var isFloatingPoint: Bool { [.f16, .bf16, .f32, .f64].contains(self) }
    /// Element types `SafetensorsFile.ints(_:)` converts from.
    package var isInteger: Bool { [.bool, .u8, .i8, .i16, .u16, .i32, .u32, .i64, .u64].contains(self) }
}

/// One tensor entry of a safetensors header.
package struct SafetensorsTensorInfo: Sendable, Equatable {
    package let name: String
    package let dtype: SafetensorsDType
    package let shape: [Int]
    /// Byte range inside the data section (the reference's `data_offsets`).
    package let dataOffsets: Range<Int>
    /// Number of elements (1 for a scalar of shape `[]`).
    package var count: Int { shape.reduce(1, *) }
}

// MARK: - Reading

/// A safetensors file read into memory (mapped where the platform allows), with its header parsed
/// and checked. Tensors are converted on access: `floats`/`doubles` from F32, F64, F16 and BF16,
/// `ints` from the integer types.
package struct SafetensorsFile: Sendable {
    /// The path the file was read from (or a label for in-memory bytes), used in error messages.
    package let path: String
    /// Tensor names in data order (ascending `data_offsets`), which for files written by
    /// `SafetensorsWriter` is the order they were added.
    package let names: [String]
    /// The `__metadata__` entries (empty when the header has none).
    package let metadata: [String: String]

    private let infos: [String: SafetensorsTensorInfo]
    private let bytes: Data
    /// Offset of the data section within `bytes`.
    private let dataStart: Int

    /// The reference implementation refuses headers above 100 MB; so do we.
    package static let maxHeaderLength = 100_000_000

    /// Reads and validates the file at `path`.
    package static func read(_ path: String) throws(ModelError) -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw .checkpoint("\(path): cannot read safetensors file (\(FileErrorText.cause(error)))")
        }
        return try SafetensorsFile(bytes: data, path: path)
    }

    /// Parses and validates safetensors bytes; `path` only labels error messages.
    package init(bytes: Data, path: String = "<memory>") throws(ModelError) {
        func fail(_ what: String) -> ModelError { .checkpoint("\(path): \(what)") }
        let size = bytes.count
        guard size >= 8 else {
            throw fail("truncated file: \(size) bytes, shorter than the 8-byte header length")
        }
        let n64: UInt64 = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n64 <= UInt64(size - 8) else {
            throw fail(
                "header length \(n64) exceeds the file size (\(size) bytes, so at most \(size - 8) header bytes): truncated or not a safetensors file"
            )
        }
        guard n64 <= UInt64(Self.maxHeaderLength) else {
            throw fail("header length \(n64) exceeds the limit of \(Self.maxHeaderLength) bytes")
        }
        let n = Int(n64)
        let start = bytes.startIndex
        let headerBytes = bytes.subdata(in: (start + 8)..<(start + 8 + n))
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail("header does not start with '{': not a safetensors file")
        }
        // JSONDecoder rather than JSONSerialization: the latter parses some numbers inexactly
        // on Linux.
        let header: RawHeader
        do {
            header = try JSONDecoder().decode(RawHeader.self, from: headerBytes)
        } catch DecodingError.typeMismatch {
            throw fail("header is not a JSON object")
        } catch {
            let at =
                JSONSyntax.problem(in: headerBytes).map {
                    ": \($0.message) at line \($0.position.line), column \($0.position.column) of the header"
                } ?? ""
            throw fail("header is not valid JSON\(at) (\(n) bytes starting \(Self.preview(headerBytes)))")
        }
        if header.badMetadata {
            throw fail("__metadata__ is not a JSON object of strings")
        }

        var infos: [String: SafetensorsTensorInfo] = [:]
        let dataSize = size - 8 - n
        for (name, entry) in header.tensors.sorted(by: { $0.0 < $1.0 }) {   // stable error messages
            guard entry.isObject else {
                throw fail("entry of tensor '\(name)' is not a JSON object")
            }
            guard let dtypeName = entry.dtype else {
                throw fail("tensor '\(name)' has no dtype string")
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail(
                    "tensor '\(name)' has unknown dtype '\(dtypeName)' (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard let shape = entry.shape, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(name)' has no valid shape (an array of non-negative integers)")
            }
            guard let offsets = entry.dataOffsets, offsets.count == 2 else {
                throw fail("tensor '\(name)' has no valid data_offsets (two integers [begin, end])")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail(
                    "tensor '\(name)' data_offsets [\(begin), \(end)] out of range: the data section holds \(dataSize) bytes")
            }
            var expected = dtype.byteSize
            for d in shape {
                let (p, overflow) = expected.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor '\(name)' shape \(shape) is too large") }
                expected = p
            }
            guard end - begin == expected else {
                throw fail(
                    "tensor '\(name)' data_offsets [\(begin), \(end)] span \(end - begin) bytes but dtype \(dtype.rawValue) × shape \(shape) needs \(expected)"
                )
            }
            infos[name] = SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
        }

        // The tensors must tile the data section, as the reference implementation requires.
        let ordered = infos.values.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        var covered = 0
        var previous: String?
        for info in ordered {
            let r = info.dataOffsets
            if r.lowerBound < covered {
                throw fail(
                    "tensor '\(info.name)' data_offsets [\(r.lowerBound), \(r.upperBound)] overlap tensor '\(previous ?? "?")' (which ends at \(covered))"
                )
            }
            if r.lowerBound > covered {
                throw fail(
                    "gap in the data section: bytes \(covered)..<\(r.lowerBound) before tensor '\(info.name)' belong to no tensor"
                )
            }
            covered = r.upperBound
            previous = info.name
        }
        guard covered == dataSize else {
            throw fail("data section holds \(dataSize) bytes but the tensors cover only \(covered) (trailing bytes)")
        }

        self.path = path
        self.names = ordered.map(\.name)
        self.metadata = header.metadata
        self.infos = infos
        self.bytes = bytes
        self.dataStart = 8 + n
    }

    // MARK: Queries

    package func contains(_ name: String) -> Bool { infos[name] != nil }

    /// The header entry of `name`.
    package func info(_ name: String) throws(ModelError) -> SafetensorsTensorInfo {
        guard let info = infos[name] else {
            throw .checkpoint(
                "\(path): no tensor named '\(name)' (the file holds \(names.count) tensors\(names.isEmpty ? "" : ", e.g. '\(names[0])'"))"
            )
        }
        return info
    }

    package func shape(_ name: String) throws(ModelError) -> [Int] { try info(name).shape }
    package func dtype(_ name: String) throws(ModelError) -> SafetensorsDType { try info(name).dtype }

    /// The tensor as `Float`s, converted from F32, F64 (rounded), F16 or BF16.
    package func floats(_ name: String) throws(ModelError) -> [Float] {
        let info = try floatingInfo(name, as: "Float")
        return [Float](unsafeUninitializedCapacity: info.count) { buffer, initialized in
            decodeFloats(info, into: buffer)
            initialized = info.count
        }
    }

    /// Writes the tensor as `Float`s into `buffer`, whose count must equal the tensor's.
    package func floats(_ name: String, into buffer: UnsafeMutableBufferPointer<Float>) throws(ModelError) {
        let info = try floatingInfo(name, as: "Float")
        guard buffer.count == info.count else {
            throw .shapeMismatch("\(path): tensor '\(name)' has \(info.count) elements, the destination \(buffer.count)")
        }
        decodeFloats(info, into: buffer)
    }

    /// The tensor as `Double`s, converted exactly from F64, F32, F16 or BF16.
    package func doubles(_ name: String) throws(ModelError) -> [Double] {
        let info = try floatingInfo(name, as: "Double")
        let base = dataStart + info.dataOffsets.lowerBound
        return bytes.withUnsafeBytes { raw in
            (0..<info.count).map { i -> Double in
                switch info.dtype {
                case .f64:
                    Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)))
                case .f32:
                    Double(
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self))))
                case .f16:
                    Double(
                        Self.halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))))
                default:
                    Double(
                        Float(
                            bitPattern: UInt32(
                                UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))) << 16))
                }
            }
        }
    }

    /// The tensor as `Int`s, from any integer dtype (BOOL gives 0/1). U64 values above `Int.max`
    /// are an error.
    package func ints(_ name: String) throws(ModelError) -> [Int] {
        let info = try info(name)
        guard info.dtype.isInteger else {
            throw .checkpoint("\(path): tensor '\(name)' has dtype \(info.dtype.rawValue), not an integer type")
        }
        let base = dataStart + info.dataOffsets.lowerBound
        let values: [Int] = bytes.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: base + MemoryLayout<T>.size * i, as: T.self))
            }
            return (0..<info.count).map { i -> Int in
                switch info.dtype {
                case .bool, .u8: Int(load(UInt8.self, i))
                case .i8: Int(load(Int8.self, i))
                case .i16: Int(load(Int16.self, i))
                case .u16: Int(load(UInt16.self, i))
                case .i32: Int(load(Int32.self, i))
                case .u32: Int(load(UInt32.self, i))
                case .i64: Int(load(Int64.self, i))
                default: Int(truncatingIfNeeded: load(UInt64.self, i))   // u64, checked below
                }
            }
        }
        if info.dtype == .u64, let bad = values.first(where: { $0 < 0 }) {
            throw .checkpoint("\(path): tensor '\(name)' holds a U64 value (\(UInt64(bitPattern: Int64(bad)))) above Int.max")
        }
        return values
    }

    // MARK: Private

    private func floatingInfo(_ name: String, as type: String) throws(ModelError) -> SafetensorsTensorInfo {
        let info = try info(name)
        guard info.dtype.isFloatingPoint else {
            throw .checkpoint(
                "\(path): tensor '\(name)' has dtype \(info.dtype.rawValue), which does not convert to \(type) (F32, F64, F16 and BF16 do)"
            )
        }
        return info
    }

    private func decodeFloats(_ info: SafetensorsTensorInfo, into out: UnsafeMutableBufferPointer<Float>) {
        let base = dataStart + info.dataOffsets.lowerBound
        let n = info.count
        bytes.withUnsafeBytes { raw in
            switch info.dtype {
            case .f32:
                #if _endian(little)
                if n > 0 {
                    UnsafeMutableRawBufferPointer(out).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[base..<(base + 4 * n)]))
                }
                #else
                for i in 0..<n {
                    out[i] = Float(
                        bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                }
                #endif
            case .f64:
                for i in 0..<n {
                    out[i] = Float(
                        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)))
                    )
                }
            case .f16:
                for i in 0..<n {
                    out[i] = Self.halfToFloat(
                        UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self)))
                }
            default:   // bf16: the upper half of an IEEE binary32
                for i in 0..<n {
                    out[i] = Float(
                        bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self)))
                            << 16)
                }
            }
        }
    }

    /// IEEE binary16 → binary32, exactly (subnormals, infinities and NaN included). Written out
    /// because `Float16` is unavailable on some platforms.
    package static func halfToFloat(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1f)
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0: return sign * Float(mantissa) * 0x1p-24
        case 31: return Float(bitPattern: (h & 0x8000 != 0 ? 0x8000_0000 : 0) | 0x7f80_0000 | (mantissa << 13))
        default: return sign * Float(bitPattern: UInt32(exponent + 112) << 23 | (mantissa << 13))
        }
    }

    /// The header as JSON, kept loose so that each defect gets its own message.
    private struct RawHeader: Decodable {
        var tensors: [(String, RawEntry)] = []
        var metadata: [String: String] = [:]
        var badMetadata = false

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                if key.stringValue == "__metadata__" {
                    if let m = try? c.decode([String: String].self, forKey: key) { metadata = m } else { badMetadata = true }
                } else {
                    tensors.append((key.stringValue, try c.decode(RawEntry.self, forKey: key)))
                }
            }
        }
    }

    private struct RawEntry: Decodable {
        var isObject = false
        var dtype: String?
        var shape: [Int]?
        var dataOffsets: [Int]?

        enum Keys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }

        init(from decoder: any Decoder) throws {
            guard let c = try? decoder.container(keyedBy: Keys.self) else { return }
            isObject = true
            dtype = try? c.decode(String.self, forKey: .dtype)
            shape = try? c.decode([Int].self, forKey: .shape)
            dataOffsets = try? c.decode([Int].self, forKey: .dataOffsets)
        }
    }

    private static func preview(_ data: Data) -> String {
        let text = String(decoding: data.prefix(40), as: UTF8.self)
        return "'" + text.replacingOccurrences(of: "\n", with: " ") + (data.count > 40 ? "…'" : "'")
    }
}

// MARK: - Writing

/// Collects tensors and writes them as one safetensors file, deterministically: the same tensors
/// added in the same order with the same metadata give the same bytes. The header is compact JSON
/// in insertion order (`__metadata__` first, its keys sorted), padded with spaces to a multiple of
/// 8 bytes like the reference writer; tensors follow back to back in insertion order.
package struct SafetensorsWriter: Sendable {
    private struct Entry: Sendable {
        let name: String
        let dtype: SafetensorsDType
        let shape: [Int]
        let payload: [UInt8]
    }

    private var entries: [Entry] = []
    private var known: Set<String> = []

    package init() {}

    /// Names in the order they were added.
    package var names: [String] { entries.map(\.name) }

    /// Adds an F32 tensor.
    package mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        floats.withUnsafeBufferPointer { add(name, shape: shape, floats: $0) }
    }

    /// Adds an F32 tensor, copying from a buffer (e.g. a slice of the flat parameter buffer).
    package mutating func add(_ name: String, shape: [Int], floats: UnsafeBufferPointer<Float>) {
        append(
            name, .f32, shape, count: floats.count,
            payload: Self.littleEndianBytes(floats.lazy.map(\.bitPattern), count: floats.count))
    }

    /// Adds an F64 tensor.
    package mutating func add(_ name: String, shape: [Int], doubles: [Double]) {
        append(
            name, .f64, shape, count: doubles.count,
            payload: Self.littleEndianBytes(doubles.lazy.map(\.bitPattern), count: doubles.count))
    }

    /// Adds an integer tensor stored as I64 (default) or I32; values must fit the chosen type.
    package mutating func add(_ name: String, shape: [Int], ints: [Int], dtype: SafetensorsDType = .i64) {
        switch dtype {
        case .i64:
            append(
                name, .i64, shape, count: ints.count,
                payload: Self.littleEndianBytes(ints.lazy.map { Int64($0) }, count: ints.count))
        case .i32:
            let narrowed = ints.map { v -> Int32 in
                guard let w = Int32(exactly: v) else { preconditionFailure("tensor '\(name)': \(v) does not fit I32") }
                return w
            }
            append(name, .i32, shape, count: ints.count, payload: Self.littleEndianBytes(narrowed, count: ints.count))
        default:
            preconditionFailure("SafetensorsWriter writes integers as I32 or I64, not \(dtype.rawValue)")
        }
    }

    /// The complete file: length prefix, padded header, data.
    package func serialized(metadata: [String: String] = [:]) -> [UInt8] {
        var out = headerBytes(metadata: metadata)
        out.reserveCapacity(out.count + entries.reduce(0) { $0 + $1.payload.count })
        for e in entries { out += e.payload }
        return out
    }

    /// Writes the file to `path` (replacing it), flushing it to disk before returning.
    package func write(to path: String, metadata: [String: String] = [:]) throws(ModelError) {
        let header = headerBytes(metadata: metadata)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw .cannotWrite("\(path): cannot create the file (\(String(cString: strerror(errno))))")
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: header)
            for e in entries where !e.payload.isEmpty { try handle.write(contentsOf: e.payload) }
            try handle.synchronize()
        } catch {
            throw .cannotWrite("\(path): \(FileErrorText.cause(error))")
        }
    }

    // MARK: Private

    private mutating func append(_ name: String, _ dtype: SafetensorsDType, _ shape: [Int], count: Int, payload: [UInt8]) {
        precondition(name != "__metadata__", "'__metadata__' is reserved in safetensors headers")
        precondition(!known.contains(name), "duplicate tensor '\(name)'")
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == count,
            "tensor '\(name)': shape \(shape) does not hold \(count) elements")
        known.insert(name)
        entries.append(Entry(name: name, dtype: dtype, shape: shape, payload: payload))
    }

    private func headerBytes(metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += "\"__metadata__\":{"
            json += metadata.keys.sorted().map { JSONText.quoted($0) + ":" + JSONText.quoted(metadata[$0]!) }.joined(
                separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for e in entries {
            if !first { json += "," }
            first = false
            let end = offset + e.payload.count
            json +=
                JSONText.quoted(e.name) + ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":["
                + e.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        json += "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        return Self.littleEndianBytes(CollectionOfOne(UInt64(header.count)), count: 1) + header
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ values: some Sequence<T>, count: Int) -> [UInt8] {
        let size = MemoryLayout<T>.size
        return [UInt8](unsafeUninitializedCapacity: count * size) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var i = 0
            for v in values {
                raw.storeBytes(of: v.littleEndian, toByteOffset: i, as: T.self)
                i += size
            }
            precondition(i == count * size)
            initialized = count * size
        }
    }
}
