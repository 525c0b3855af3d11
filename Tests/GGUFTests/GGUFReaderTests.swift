import Foundation
import Testing
import GGUF

@Suite("GGUF reader")
struct GGUFReaderTests {
    /// One value of every metadata type, arrays of scalars and of strings, and an array of arrays.
    static let everyType: [(String, GGUFValue)] = [
        ("t.u8", .uint8(250)), ("t.i8", .int8(-100)), ("t.u16", .uint16(65000)), ("t.i16", .int16(-32000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)),
        ("t.u64", .uint64(18_000_000_000_000_000_000)), ("t.i64", .int64(-9_000_000_000_000_000_000)),
        ("t.f32", .float32(-1.5e-3)), ("t.f64", .float64(2.718281828459045)),
        ("t.true", .bool(true)), ("t.false", .bool(false)),
        ("t.string", .string("naïve café — 東京 🍢\n")), ("t.empty", .string("")),
        ("t.ints", .array(elementType: .int32, [.int32(3), .int32(-1), .int32(7)])),
        ("t.floats", .array(elementType: .float32, [.float32(0.25), .float32(-8)])),
        ("t.strings", .array(elementType: .string, [.string("Ġ t"), .string(""), .string("<|im_start|>")])),
        ("t.none", .array(elementType: .uint8, [])),
        (
            "t.nested",
            .array(
                elementType: .array,
                [
                    .array(elementType: .uint16, [.uint16(1), .uint16(2)]),
                    .array(elementType: .uint16, []),
                ])
        ),
    ]

    @Test(arguments: [UInt32(2), 3])
    func everyMetadataTypeRoundTrips(version: UInt32) throws {
        var w = GGUFTestWriter()
        w.version = version
        for (k, v) in Self.everyType { w.add(k, v) }
        let file = try GGUFFile(bytes: w.bytes(), label: "meta.gguf")
        #expect(file.version == version)
        #expect(file.metadataKeys == Self.everyType.map(\.0))
        for (k, v) in Self.everyType { #expect(file.metadata[k] == v, "\(k)") }
        #expect(file.tensors.isEmpty)
        #expect(file.alignment == 32)
        #expect(try file.int("t.i64") == -9_000_000_000_000_000_000)
        #expect(try file.int("t.u32") == 4_000_000_000)
        #expect(try file.double("t.f32") == Double(Float(-1.5e-3)))
        #expect(try file.bool("t.true"))
        #expect(try file.strings("t.strings") == ["Ġ t", "", "<|im_start|>"])
        #expect(try file.ints("t.ints") == [3, -1, 7])
        #expect(throws: GGUFError(file: "meta.gguf", "metadata t.ints is an array of i32, expected a string")) {
            try file.string("t.ints")
        }
        #expect(throws: GGUFError(file: "meta.gguf", "metadata t.nope is missing")) { try file.int("t.nope") }
    }

    @Test func tensorTableAlignmentAndOffsets() throws {
        var w = GGUFTestWriter()
        w.alignment = 64
        w.add("general.alignment", .uint32(64))
        w.add("general.name", .string("tiny"))
        w.addTensor("a", dimensions: [3], type: .f32, data: floatBytes([1, 2, 3]))
        w.addTensor("b.weight", dimensions: [2, 3], type: .f32, data: floatBytes([1, 2, 3, 4, 5, 6]))
        w.addTensor("c", dimensions: [32, 1, 2], type: .q8_0, data: [UInt8](repeating: 0, count: 68))
        let bytes = w.bytes()
        let file = try GGUFFile(bytes: bytes)
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.name) == ["a", "b.weight", "c"])
        #expect(file.tensors.map(\.offset) == [0, 64, 128])
        let b = try file.tensor("b.weight")
        #expect(b.dimensions == [2, 3] && b.shape == [3, 2] && b.type == .f32 && b.elementCount == 6 && b.byteCount == 24)
        #expect(try file.floats("b.weight") == [1, 2, 3, 4, 5, 6])
        #expect(try file.floats("a") == [1, 2, 3])
        let c = try file.tensor("c")
        #expect(c.shape == [2, 1, 32] && c.byteCount == 68)
        #expect(try file.floats("c") == [Float](repeating: 0, count: 64))
        #expect(file.fileSize == bytes.count)
        #expect(throws: GGUFError(file: "<memory>", "no tensor named d (the file holds 3 tensors, e.g. a)")) {
            try file.tensor("d")
        }
    }

    @Test func defaultAlignmentIs32() throws {
        var w = GGUFTestWriter()
        w.addTensor("x", dimensions: [1], type: .f32, data: floatBytes([7]))
        w.addTensor("y", dimensions: [1], type: .f32, data: floatBytes([8]))
        let file = try GGUFFile(bytes: w.bytes())
        #expect(file.tensors.map(\.offset) == [0, 32])
        #expect(file.dataOffset % 32 == 0)
        #expect(try file.floats("y") == [8])
    }

    // MARK: Bad input

    @Test func truncatedDataNamesTheTensor() throws {
        var w = GGUFTestWriter()
        w.addTensor("first", dimensions: [8], type: .f32, data: floatBytes([Float](repeating: 1, count: 8)))
        w.addTensor("blk.0.attn_q.weight", dimensions: [32, 2], type: .q4_1, data: [UInt8](repeating: 3, count: 40))
        let full = w.bytes()
        let file = try GGUFFile(bytes: full)
        let start = file.dataOffset + 32, end = start + 40
        #expect(end == full.count)
        let cut = Array(full.dropLast(5))
        #expect(
            throws: GGUFError(
                file: "cut.gguf", "truncated: tensor blk.0.attn_q.weight needs bytes \(start)..<\(end), the file has \(end - 5)")
        ) {
            try GGUFFile(bytes: cut, label: "cut.gguf")
        }
    }

    @Test func truncatedHeaderSaysWhatWasBeingRead() {
        var w = GGUFTestWriter()
        w.add("general.name", .string("a name that will be cut"))
        let full = w.bytes()
        // Cut inside the string value: 4 magic + 4 version + 16 counts + (8 + 12) key + 4 type + 8 length + 5 bytes.
        let cut = Array(full.prefix(4 + 4 + 16 + 8 + 12 + 4 + 8 + 5))
        #expect(throws: GGUFError(file: "h.gguf", "truncated: metadata general.name needs bytes 56..<79, the file has 61")) {
            try GGUFFile(bytes: cut, label: "h.gguf")
        }
        #expect(throws: GGUFError(file: "h.gguf", "truncated: 2 bytes, shorter than the 4-byte magic")) {
            try GGUFFile(bytes: [0x47, 0x47], label: "h.gguf")
        }
    }

    @Test func unknownTensorTypeNamesTheTensor() {
        var w = GGUFTestWriter()
        w.addTensor("blk.1.ffn_up.weight", dimensions: [32], typeCode: 99, data: [UInt8](repeating: 0, count: 32))
        #expect(throws: GGUFError(file: "u.gguf", "tensor blk.1.ffn_up.weight: unknown ggml type 99")) {
            try GGUFFile(bytes: w.bytes(), label: "u.gguf")
        }
    }

    @Test func unsupportedTypeIsAnErrorOnlyWhenDequantized() throws {
        var w = GGUFTestWriter()
        w.addTensor("blk.3.attn_q.weight", dimensions: [256, 1], type: .q5_K, data: [UInt8](repeating: 0, count: 176))
        let file = try GGUFFile(bytes: w.bytes(), label: "k.gguf")
        #expect(file.tensors[0].type == .q5_K && file.tensors[0].byteCount == 176)
        #expect(
            throws: GGUFError(
                file: "k.gguf",
                "tensor blk.3.attn_q.weight: type Q5_K is not supported (gscope dequantizes F32, F16, BF16, Q4_0, Q4_1, Q8_0, Q6_K)"
            )
        ) {
            try file.floats("blk.3.attn_q.weight")
        }
    }

    @Test func otherBadHeaders() {
        #expect(throws: GGUFError(file: "m", "not a GGUF file: the first bytes are 7B 22 61 22, expected 47 47 55 46 (\"GGUF\")"))
        {
            try GGUFFile(bytes: Array("{\"a\": 1}".utf8), label: "m")
        }
        var v1 = GGUFTestWriter()
        v1.version = 1
        #expect(throws: GGUFError(file: "m", "GGUF version 1 is not supported (this reader reads versions 2 and 3)")) {
            try GGUFFile(bytes: v1.bytes(), label: "m")
        }
        var row = GGUFTestWriter()
        row.addTensor("odd", dimensions: [48], type: .q4_0, data: [UInt8](repeating: 0, count: 27))
        #expect(throws: GGUFError(file: "m", "tensor odd: row length 48 is not a multiple of the Q4_0 block size 32")) {
            try GGUFFile(bytes: row.bytes(), label: "m")
        }
        var badType = GGUFTestWriter()
        badType.add("x", .uint8(1))
        var bytes = badType.bytes()
        bytes[4 + 4 + 16 + 8 + 1] = 13   // the value type after the 1-byte key "x"
        #expect(throws: GGUFError(file: "m", "metadata x: unknown value type 13 (known: 0–12)")) {
            try GGUFFile(bytes: bytes, label: "m")
        }
        var alignment = GGUFTestWriter()
        alignment.add("general.alignment", .uint32(24))
        #expect(throws: GGUFError(file: "m", "metadata general.alignment must be a u32 power of two, found u32 24")) {
            try GGUFFile(bytes: alignment.bytes(), label: "m")
        }
    }

    @Test func missingFileAndMappedFile() throws {
        #expect(throws: GGUFError(file: "/nonexistent/x.gguf", "no such file")) { try GGUFFile(path: "/nonexistent/x.gguf") }
        var w = GGUFTestWriter()
        w.add("general.name", .string("mapped"))
        w.addTensor("w", dimensions: [4], type: .f32, data: floatBytes([1, -2, 3, -4]))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gscope-gguf-\(UUID().uuidString).gguf").path
        try Data(w.bytes()).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        #expect(try file.string("general.name") == "mapped")
        #expect(try file.floats("w") == [1, -2, 3, -4])
    }
}

func floatBytes(_ values: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for v in values { out.le(v.bitPattern) }
    return out
}
