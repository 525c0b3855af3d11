import Foundation
import NumericCore
import Testing
import TestSupport
import Model

/// The safetensors reader/writer and GPT checkpoints, including files written by Python's
/// reference implementation (`Tests/Fixtures/parity/gpt`, from `notebooks-scripts/parity/gpt_fixture.py`).
@Suite struct SafetensorsTests {
    // MARK: Helpers

    /// A fresh directory under the system temporary directory.
    private static func temporaryDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("gscope-safetensors-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Hand-made safetensors bytes: a length prefix (`declaredLength` or the header's), the header
    /// text, then `data`.
    private static func rawFile(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let h = Array(header.utf8)
        var out = withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { Array($0) }
        out += h + data
        return Data(out)
    }

    private static func parse(_ bytes: Data) throws(ModelError) -> SafetensorsFile {
        try SafetensorsFile(bytes: bytes, path: "case.safetensors")
    }

    /// Expects `body` to throw a `ModelError` whose description contains every fragment.
    private static func expectError(
        _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch {
            guard let error = error as? ModelError else {
                Issue.record("expected a ModelError, got \(error)", sourceLocation: sourceLocation)
                return
            }
            for fragment in fragments {
                #expect(
                    error.description.contains(fragment), "'\(error.description)' does not mention '\(fragment)'",
                    sourceLocation: sourceLocation)
            }
        }
    }

    private static func randomFloats(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix(seed: seed)
        return (0..<n).map { _ in Float.random(in: -1..<1, using: &rng) }
    }

    /// The parts of the fixture's meta.json the tests use. (JSONDecoder, not JSONSerialization,
    /// which parses some doubles inexactly on Linux.)
    private struct FixtureMeta: Decodable {
        struct Spot: Decodable { let file: String; let tensor: String; let index: Int; let value: Double }
        struct Values: Decodable { let shape: [Int]; let values: [Double] }
        let spotChecks: [Spot]
        let dtypesFixture: [String: Values]
        enum CodingKeys: String, CodingKey { case spotChecks = "spot_checks", dtypesFixture = "dtypes_fixture" }

        static func load() throws -> FixtureMeta {
            try JSONDecoder().decode(
                FixtureMeta.self, from: Data(contentsOf: URL(fileURLWithPath: FixturePaths.parityGPT("meta.json"))))
        }
    }

    private static let fixtureConfig = GPTConfig(nLayer: 3, nHead: 4, nEmbd: 48, vocabSize: 96, blockSize: 24)
    private static let little = GPTConfig(nLayer: 1, nHead: 2, nEmbd: 8, vocabSize: 16, blockSize: 4)

    // MARK: Round trips

    @Test func roundTripOfEveryWrittenDType() throws {
        let floats: [Float] = [0, -0.0, 1.5, -3.25e-8, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, .nan]
        let doubles: [Double] = [.pi, -1e-300, .leastNonzeroMagnitude, -.infinity]
        let int32s = [0, -1, Int(Int32.max), Int(Int32.min)]
        let int64s = [Int.max, Int.min, 9_007_199_254_740_993]
        var writer = SafetensorsWriter()
        writer.add("f32", shape: [2, 4], floats: floats)
        writer.add("f64", shape: [4], doubles: doubles)
        writer.add("i32", shape: [2, 1, 2], ints: int32s, dtype: .i32)
        writer.add("i64", shape: [3], ints: int64s)
        writer.add("scalar", shape: [], floats: [7.25])
        writer.add("empty", shape: [0, 5], floats: [])
        let dir = Self.temporaryDirectory()
        defer { Self.remove(dir) }
        let path = dir + "/all.safetensors"
        try writer.write(to: path, metadata: ["format": "pt", "note": "ünïcode \"quoted\"\n"])

        let file = try SafetensorsFile.read(path)
        #expect(file.names == ["f32", "f64", "i32", "i64", "scalar", "empty"])
        #expect(file.metadata == ["format": "pt", "note": "ünïcode \"quoted\"\n"])
        #expect(try file.dtype("f32") == .f32 && file.dtype("f64") == .f64)
        #expect(try file.dtype("i32") == .i32 && file.dtype("i64") == .i64)
        #expect(try file.shape("f32") == [2, 4])
        #expect(try file.shape("i32") == [2, 1, 2])
        #expect(try file.shape("scalar") == [])
        #expect(try file.shape("empty") == [0, 5])
        #expect(try file.floats("f32").map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try file.doubles("f64").map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(try file.ints("i32") == int32s)
        #expect(try file.ints("i64") == int64s)
        #expect(try file.floats("scalar") == [7.25])
        #expect(try file.floats("empty") == [])
        // Conversions between float widths.
        #expect(try file.doubles("f32").map { Float($0).bitPattern } == floats.map(\.bitPattern))
        #expect(try file.floats("f64") == doubles.map { Float($0) })
        // In-place decoding into a slice of a larger buffer.
        var buffer = [Float](repeating: 9, count: 10)
        try buffer.withUnsafeMutableBufferPointer { b throws(ModelError) in
            try file.floats("f32", into: UnsafeMutableBufferPointer(rebasing: b[1..<9]))
        }
        #expect(buffer[0] == 9 && buffer[9] == 9 && buffer[1..<8].map(\.bitPattern) == floats.prefix(7).map(\.bitPattern))
    }

    @Test func readsHalfAndBFloat16() throws {
        // F16: 1, -2, 65504 (max), 2^-24 (least subnormal), -0, +inf; BF16: 1, -2.5, 2^-133, -inf.
        let f16: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]
        let bf16: [UInt16] = [0x3F80, 0xC020, 0x0001, 0xFF80]
        let data = (f16 + bf16).flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let header =
            #"{"h":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]}}"#
        let file = try Self.parse(Self.rawFile(header, data: data))
        #expect(file.names == ["h", "b"])
        let h = try file.floats("h")
        #expect(Array(h[0..<4]) == [1, -2, 65504, 0x1p-24])
        #expect(h[4] == 0 && h[4].sign == .minus && h[5] == .infinity)
        #expect(try file.floats("b") == [1, -2.5, 0x1p-133, -.infinity])
        #expect(try file.doubles("h")[3] == 0x1p-24)
        #expect(try file.doubles("b")[2] == 0x1p-133)
    }

    #if !(os(macOS) && arch(x86_64))
    @Test func halfConversionIsExactForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let mine = SafetensorsFile.halfToFloat(bits)
            let swift = Float(Float16(bitPattern: bits))
            if swift.isNaN {
                #expect(mine.isNaN)
            } else if mine.bitPattern != swift.bitPattern {
                Issue.record("F16 0x\(String(bits, radix: 16)): \(mine) != \(swift)")
                return
            }
        }
    }
    #endif

    // MARK: Determinism and agreement with the reference writer

    @Test func writerIsDeterministic() throws {
        func make(_ metadataPairs: [(String, String)]) -> [UInt8] {
            var w = SafetensorsWriter()
            w.add("wte.weight", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])
            w.add("steps", shape: [2], ints: [10, 20], dtype: .i32)
            w.add("loss", shape: [1], doubles: [0.5])
            return w.serialized(metadata: Dictionary(uniqueKeysWithValues: metadataPairs))
        }
        let pairs = (0..<20).map { ("key\($0)", "value \($0)") }
        let a = make(pairs)
        let b = make(pairs.reversed())
        let c = make(pairs.shuffled())
        #expect(a == b && a == c)
        let n = Int(a[0..<8].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        #expect(n % 8 == 0)
        let header = String(decoding: a[8..<(8 + n)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"key0":"value 0","key1":"value 1","key10":"#))
        #expect(
            header.contains(
                #""wte.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"steps":{"dtype":"I32","shape":[2],"data_offsets":[24,32]}"#
            ))
        let trimmed = header.replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        #expect(trimmed.hasSuffix("}}") && header.count - trimmed.count < 8)
        // The same bytes through a file.
        let dir = Self.temporaryDirectory()
        defer { Self.remove(dir) }
        var w = SafetensorsWriter()
        w.add("wte.weight", shape: [3, 2], floats: [1, 2, 3, 4, 5, 6])
        w.add("steps", shape: [2], ints: [10, 20], dtype: .i32)
        w.add("loss", shape: [1], doubles: [0.5])
        try w.write(to: dir + "/x.safetensors", metadata: Dictionary(uniqueKeysWithValues: pairs))
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/x.safetensors"))) == a)
    }

    @Test func writerMatchesReferenceBytes() {
        // safetensors.torch.save({'b': torch.ones(1, dtype=torch.float64),
        //                         'a': torch.tensor([1, 2], dtype=torch.int32)}, metadata={'k': 'v'})
        let header =
            #"{"__metadata__":{"k":"v"},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[2],"data_offsets":[8,16]}}   "#
        let expected: [UInt8] =
            [0x88, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
            + [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 1, 0, 0, 0, 2, 0, 0, 0]
        var w = SafetensorsWriter()
        w.add("b", shape: [1], doubles: [1])
        w.add("a", shape: [2], ints: [1, 2], dtype: .i32)
        #expect(w.serialized(metadata: ["k": "v"]) == expected)
        // JSON escaping as serde_json does it.
        #expect(JSONText.quoted("a\"b\\c\n\u{01}é") == #""a\"b\\c\n\u0001é""#)
    }

    @Test func rewritingThePythonFileReproducesItsBytes() throws {
        // The fixture's model.safetensors comes from the reference writer (metadata keys sorted
        // by the fixture script); writing its tensors again in file order gives the same bytes.
        let path = FixturePaths.parityGPT("model.safetensors")
        let file = try SafetensorsFile.read(path)
        var w = SafetensorsWriter()
        for name in file.names {
            w.add(name, shape: try file.shape(name), floats: try file.floats(name))
        }
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(w.serialized(metadata: file.metadata) == original)
    }

    // MARK: The Python fixture

    @Test func readsTheReferenceDTypesFile() throws {
        let file = try SafetensorsFile.read(FixturePaths.parityGPT("dtypes.safetensors"))
        #expect(try file.dtype("x.f16") == .f16 && file.shape("x.f16") == [2, 3])
        #expect(try file.floats("x.f16") == [1, -2.5, 0.333251953125, 65504, 0x1p-24, 0])
        #expect(try file.floats("x.f16")[5].sign == .minus)
        #expect(try file.dtype("x.bf16") == .bf16)
        #expect(try file.doubles("x.bf16") == [1, -2.5, 0.333984375, 3.00405527047391e+38, 7.346839692639297e-40, 0])
        #expect(try file.floats("x.f32") == [1.5, -1e-7, .greatestFiniteMagnitude])
        #expect(try file.doubles("x.f64") == [.pi, -1e-300])
        #expect(try file.dtype("x.i32") == .i32 && file.shape("x.i32") == [2, 2])
        #expect(try file.ints("x.i32") == [0, -1, Int(Int32.max), Int(Int32.min)])
        #expect(try file.ints("x.i64") == [9_007_199_254_740_993, -5, 0])
        #expect(try file.shape("x.scalar") == [] && file.floats("x.scalar") == [7.25])
        // Cross-check against the values the script recorded.
        let recorded = try FixtureMeta.load().dtypesFixture
        #expect(recorded.count == 7)
        for (name, expected) in recorded {
            #expect(try file.shape(name) == expected.shape, "\(name)")
            if try file.dtype(name).isFloatingPoint {
                #expect(try file.doubles(name) == expected.values, "\(name)")
            } else if name != "x.i64" {   // 2^53 + 1 is no Double; x.i64 is checked above
                #expect(try file.ints(name) == expected.values.map { Int($0) }, "\(name)")
            }
        }
    }

    @Test func readsThePythonCheckpoint() throws {
        let (config, parameters) = try Checkpoint.load(from: FixturePaths.parityGPT)
        #expect(config == Self.fixtureConfig)
        let layout = config.parameterLayout()
        #expect(parameters.count == layout.count && layout.count == 90672)
        let model = try SafetensorsFile.read(FixturePaths.parityGPT("model.safetensors"))
        #expect(model.metadata == Checkpoint.metadata)
        #expect(Set(model.names) == Set(layout.slots.map(\.name)))
        // config.json is byte-identical to gscope's older format, which Checkpoint.load still reads.
        let text = try String(contentsOfFile: FixturePaths.parityGPT("config.json"), encoding: .utf8)
        #expect(text == Checkpoint.gscopeConfigJSON(config))

        // The spot values the script recorded.
        let reference = try SafetensorsFile.read(FixturePaths.parityGPT("reference.safetensors"))
        let spots = try FixtureMeta.load().spotChecks
        #expect(spots.count >= 6)
        for spot in spots {
            let (name, index, value) = (spot.tensor, spot.index, Float(spot.value))
            if spot.file == "model.safetensors" {
                let slot = try #require(layout[name])
                #expect(parameters[slot.offset + index] == value, "\(name)[\(index)]")
                #expect(try model.floats(name)[index] == value)
            } else {
                #expect(try reference.floats(name)[index] == value, "\(name)[\(index)]")
            }
        }
        // Not the trivial initialisation: LayerNorm gains scatter around 1, biases around 0.
        let gains = try model.floats("h.0.ln_1.weight")
        #expect(gains.contains { abs($0 - 1) > 0.05 } && gains.allSatisfy { abs($0 - 1) < 0.6 })
    }

    @Test func pythonReferenceIsConsistent() throws {
        let ref = try SafetensorsFile.read(FixturePaths.parityGPT("reference.safetensors"))
        let (b, t, v) = (4, 16, 96)
        #expect(try ref.dtype("tokens") == .i32 && ref.shape("tokens") == [b, t])
        #expect(try ref.dtype("targets") == .i32 && ref.shape("targets") == [b, t])
        #expect(try ref.dtype("mask") == .f32 && ref.shape("mask") == [b, t])
        #expect(try ref.dtype("logits") == .f32 && ref.shape("logits") == [b, t, v])
        #expect(try ref.dtype("loss") == .f64 && ref.shape("loss") == [1])
        #expect(try ref.shape("adamw.losses") == [5] && ref.shape("sgd.losses") == [5])
        let layout = Self.fixtureConfig.parameterLayout()
        let gradNames = ref.names.filter { $0.hasPrefix("grad.") }
        #expect(Set(gradNames) == Set(layout.slots.map { "grad." + $0.name }))
        for slot in layout.slots {
            #expect(try ref.shape("grad." + slot.name) == slot.shape)
            #expect(try ref.dtype("grad." + slot.name) == .f32)
        }

        let tokens = try ref.ints("tokens"), targets = try ref.ints("targets")
        let mask = try ref.floats("mask"), logits = try ref.floats("logits")
        #expect(tokens.allSatisfy { (0..<v).contains($0) } && targets.allSatisfy { (0..<v).contains($0) })
        // Question positions 4, 6, 3, 5 masked; row 2 padded from position 11.
        #expect(mask.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(mask.reduce(0, +) == Float(12 + 10 + 8 + 11))
        #expect(mask[2 * t + 10] == 1 && mask[2 * t + 11] == 0 && tokens[2 * t + 11] == 0 && mask[t + 5] == 0 && mask[t + 6] == 1)

        // The loss is the masked token-mean NLL of the logits (recomputed here in Float64).
        var sum = 0.0, weight = 0.0
        for i in 0..<(b * t) where mask[i] != 0 {
            let row = logits[(i * v)..<((i + 1) * v)].map(Double.init)
            let m = row.max()!
            let logZ = m + log(row.reduce(0) { $0 + exp($1 - m) })
            sum += Double(mask[i]) * (logZ - row[targets[i]])
            weight += Double(mask[i])
        }
        let loss = try ref.doubles("loss")[0]
        #expect(abs(sum / weight - loss) < 1e-5 * loss)
        let logitsStd = sqrt(logits.map { Double($0) * Double($0) }.reduce(0, +) / Double(logits.count))
        #expect(logitsStd > 1 && logitsStd < 3)

        let adamw = try ref.doubles("adamw.losses"), sgd = try ref.doubles("sgd.losses")
        #expect(adamw[0] == loss && sgd[0] == loss)
        #expect(zip(adamw, adamw.dropFirst()).allSatisfy { $0 > $1 })
        #expect(zip(sgd, sgd.dropFirst()).allSatisfy { $0 > $1 })
    }

    // MARK: Checkpoints

    @Test func checkpointRoundTrip() throws {
        let config = GPTConfig.tiny
        let count = config.parameterLayout().count
        let parameters = Self.randomFloats(count, seed: 42)
        let parent = Self.temporaryDirectory()
        defer { Self.remove(parent) }
        let dir = parent + "/nested/ckpt"   // created on save

        try Checkpoint.save(config: config, parameters: parameters, to: dir)
        let (loaded, values) = try Checkpoint.load(from: dir)
        #expect(loaded == config)
        #expect(values.count == count && values == parameters)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["config.json", "model.safetensors"])
        #expect(try String(contentsOfFile: dir + "/config.json", encoding: .utf8) == Checkpoint.configJSON(config))
        // Hugging Face's GPT-2 names, in layout order; Conv1D matrices stored (in, out).
        let file = try SafetensorsFile.read(dir + "/model.safetensors")
        #expect(file.names == config.parameterLayout().slots.map { "transformer." + $0.name })
        #expect(file.metadata == ["format": "pt", "gscope": "gpt", Checkpoint.kernelsMetadataKey: BLAS.kernels])
        let layout = config.parameterLayout()
        #expect(try file.floats("transformer.h.3.mlp.c_fc.bias") == Array(parameters[layout["h.3.mlp.c_fc.bias"]!.range]))
        let fc = layout["h.3.mlp.c_fc.weight"]!, c = config.nEmbd
        #expect(try file.shape("transformer.h.3.mlp.c_fc.weight") == [c, 4 * c])
        let stored = try file.floats("transformer.h.3.mlp.c_fc.weight")
        #expect(stored[5 * 4 * c + 7] == parameters[fc.range.lowerBound + 7 * c + 5])   // stored[5][7] = layout[7][5]

        // Saving over an existing checkpoint replaces it and leaves no temporary files.
        let other = Self.randomFloats(count, seed: 7)
        try other.withUnsafeBufferPointer { b throws(ModelError) in try Checkpoint.save(config: config, parameters: b, to: dir) }
        #expect(try Checkpoint.load(from: dir).parameters == other)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)

        // The same parameters give the same bytes.
        try Checkpoint.save(config: config, parameters: other, to: parent + "/again")
        #expect(
            FileManager.default.contentsEqual(atPath: dir + "/model.safetensors", andPath: parent + "/again/model.safetensors"))
    }

    @Test func configJSONText() {
        #expect(
            Checkpoint.configJSON(.small) == """
                {
                  "activation_function": "gelu_new",
                  "architectures": ["GPT2LMHeadModel"],
                  "attn_pdrop": 0.0,
                  "bos_token_id": null,
                  "embd_pdrop": 0.0,
                  "eos_token_id": null,
                  "layer_norm_epsilon": 1e-05,
                  "model_type": "gpt2",
                  "n_ctx": 128,
                  "n_embd": 256,
                  "n_head": 8,
                  "n_inner": null,
                  "n_layer": 6,
                  "n_positions": 128,
                  "reorder_and_upcast_attn": false,
                  "resid_pdrop": 0.0,
                  "scale_attn_by_inverse_layer_idx": false,
                  "scale_attn_weights": true,
                  "tie_word_embeddings": true,
                  "torch_dtype": "float32",
                  "vocab_size": 2048
                }

                """)
        #expect(
            Checkpoint.gscopeConfigJSON(.small) == """
                {
                  "architecture": "gpt",
                  "block_size": 128,
                  "n_embd": 256,
                  "n_head": 8,
                  "n_layer": 6,
                  "vocab_size": 2048
                }

                """)
    }

    // MARK: Errors of the reader

    @Test func missingAndTruncatedFiles() throws {
        let dir = Self.temporaryDirectory()
        defer { Self.remove(dir) }
        Self.expectError(dir + "/absent.safetensors", "cannot read") {
            _ = try SafetensorsFile.read(dir + "/absent.safetensors")
        }
        let path = dir + "/short.safetensors"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        Self.expectError(path, "truncated", "3 bytes") { _ = try SafetensorsFile.read(path) }
        Self.expectError("truncated") { _ = try Self.parse(Data()) }
    }

    @Test func headerLengthBeyondFileSize() {
        let bytes = Self.rawFile(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0], declaredLength: 1000)
        Self.expectError("case.safetensors", "header length 1000 exceeds the file size") { _ = try Self.parse(bytes) }
        // A length that is enormous rather than merely wrong.
        Self.expectError("exceeds the file size") { _ = try Self.parse(Self.rawFile("{}", declaredLength: .max)) }
    }

    @Test func badJSON() {
        Self.expectError("case.safetensors", "not valid JSON") {
            _ = try Self.parse(Self.rawFile(#"{"a": {"dtype": "F32", "shape": [1], "#))
        }
        Self.expectError("does not start with '{'") { _ = try Self.parse(Self.rawFile("[1, 2]  ")) }
        // Where the header stops being JSON (issue 15, finding 10c).
        Self.expectError("case.safetensors: header is not valid JSON: Invalid value at line 1, column 32 of the header") {
            _ = try Self.parse(Self.rawFile(#"{"a": {"dtype": "F32", "shape" [1]}}"#))
        }
        Self.expectError("'a'", "dtype") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        Self.expectError("'a'", "shape") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        Self.expectError("'a'", "shape") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        Self.expectError("'a'", "data_offsets") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: [0, 0, 0, 0]))
        }
        Self.expectError("__metadata__") { _ = try Self.parse(Self.rawFile(#"{"__metadata__":{"k":1}}"#)) }
    }

    @Test func offsetsOutOfRangeOrInconsistent() {
        let four: [UInt8] = [0, 0, 128, 63]
        Self.expectError("case.safetensors", "'a'", "[0, 8]", "out of range", "4 bytes") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: four))
        }
        Self.expectError("'a'", "out of range") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: four))
        }
        Self.expectError("'a'", "span 4 bytes", "F32 × shape [2]", "needs 8") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four))
        }
        Self.expectError("'b'", "overlap", "'a'") {
            _ = try Self.parse(
                Self.rawFile(
                    #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I16","shape":[1],"data_offsets":[2,4]}}"#,
                    data: four))
        }
        Self.expectError("gap", "'a'") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"I16","shape":[1],"data_offsets":[2,4]}}"#, data: four))
        }
        Self.expectError("trailing") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"I16","shape":[1],"data_offsets":[0,2]}}"#, data: four))
        }
    }

    @Test func unknownDTypeAndWrongAccess() throws {
        Self.expectError("case.safetensors", "'a'", "unknown dtype 'F12'") {
            _ = try Self.parse(Self.rawFile(#"{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
        let file = try Self.parse(
            Self.rawFile(
                #"{"i":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},"f":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: [1, 0, 0, 0, 0, 0, 128, 63]))
        #expect(try file.ints("i") == [1] && file.floats("f") == [1])
        Self.expectError("'i'", "I32", "Float") { _ = try file.floats("i") }
        Self.expectError("'i'", "I32", "Double") { _ = try file.doubles("i") }
        Self.expectError("'f'", "F32", "not an integer") { _ = try file.ints("f") }
        var small = [Float](repeating: 0, count: 2)
        Self.expectError("'f'", "1 elements") {
            try small.withUnsafeMutableBufferPointer { b throws(ModelError) in try file.floats("f", into: b) }
        }
    }

    @Test func missingTensor() throws {
        var w = SafetensorsWriter()
        w.add("present", shape: [1], floats: [1])
        let file = try SafetensorsFile(bytes: Data(w.serialized()), path: "some.safetensors")
        #expect(file.contains("present") && !file.contains("absent"))
        Self.expectError("some.safetensors", "no tensor named 'absent'") { _ = try file.floats("absent") }
        Self.expectError("no tensor named 'absent'") { _ = try file.shape("absent") }
    }

    // MARK: Errors of checkpoints

    /// Writes a checkpoint of `Self.little` by hand, letting `edit` change the tensors.
    private static func writeLittle(to dir: String, edit: (inout [(String, [Int])]) -> Void = { _ in }) throws {
        var tensors = little.parameterLayout().slots.map { ($0.name, $0.shape) }
        edit(&tensors)
        var w = SafetensorsWriter()
        for (name, shape) in tensors { w.add(name, shape: shape, floats: [Float](repeating: 0.5, count: shape.reduce(1, *))) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try w.write(to: dir + "/model.safetensors", metadata: Checkpoint.metadata)
        try Checkpoint.gscopeConfigJSON(little).write(toFile: dir + "/config.json", atomically: false, encoding: .utf8)
    }

    @Test func checkpointTensorErrors() throws {
        let root = Self.temporaryDirectory()
        defer { Self.remove(root) }
        try Self.writeLittle(to: root + "/ok")
        #expect(try Checkpoint.load(from: root + "/ok").parameters.allSatisfy { $0 == 0.5 })

        try Self.writeLittle(to: root + "/missing") { $0.removeAll { $0.0 == "h.0.mlp.c_fc.bias" } }
        Self.expectError(root + "/missing/model.safetensors", "missing 1 tensor(s): 'h.0.mlp.c_fc.bias'") {
            _ = try Checkpoint.load(from: root + "/missing")
        }
        try Self.writeLittle(to: root + "/extra") {
            $0.append(("lm_head.weight", [16, 8])); $0.append(("h.1.ln_1.weight", [8]))
        }
        Self.expectError("2 unexpected tensor(s): 'lm_head.weight', 'h.1.ln_1.weight'") {
            _ = try Checkpoint.load(from: root + "/extra")
        }
        try Self.writeLittle(to: root + "/shape") { t in
            t = t.map { $0.0 == "h.0.attn.c_attn.weight" ? ($0.0, [8, 24]) : $0 }
        }
        Self.expectError("'h.0.attn.c_attn.weight' has shape [8, 24]", "implies [24, 8]") {
            _ = try Checkpoint.load(from: root + "/shape")
        }
        try Self.writeLittle(to: root + "/ints") { _ in }
        var w = SafetensorsWriter()
        for slot in Self.little.parameterLayout().slots {
            w.add(slot.name, shape: slot.shape, ints: [Int](repeating: 1, count: slot.count), dtype: .i32)
        }
        try w.write(to: root + "/ints/model.safetensors")
        Self.expectError("'wte.weight'", "I32") { _ = try Checkpoint.load(from: root + "/ints") }
    }

    @Test func checkpointConfigErrors() throws {
        let root = Self.temporaryDirectory()
        defer { Self.remove(root) }
        Self.expectError(root + "/none/config.json", "cannot read") { _ = try Checkpoint.load(from: root + "/none") }

        try Self.writeLittle(to: root + "/arch")
        try #"{"architecture": "llama", "n_layer": 1, "n_head": 2, "n_embd": 8, "vocab_size": 16, "block_size": 4}"#
            .write(toFile: root + "/arch/config.json", atomically: false, encoding: .utf8)
        Self.expectError("architecture is 'llama'") { _ = try Checkpoint.load(from: root + "/arch") }

        try #"{"architecture": "gpt", "n_layer": 1, "n_embd": 8, "vocab_size": 16, "block_size": 4}"#
            .write(toFile: root + "/arch/config.json", atomically: false, encoding: .utf8)
        Self.expectError(root + "/arch/config.json", "missing key 'n_head'") { _ = try Checkpoint.load(from: root + "/arch") }

        try #"{"architecture": "gpt", "n_layer": 1, "n_head": 3, "n_embd": 8, "vocab_size": 16, "block_size": 4}"#
            .write(toFile: root + "/arch/config.json", atomically: false, encoding: .utf8)
        Self.expectError("not divisible") { _ = try Checkpoint.load(from: root + "/arch") }

        try "{ nope".write(toFile: root + "/arch/config.json", atomically: false, encoding: .utf8)
        Self.expectError(root + "/arch/config.json", "not a valid configuration") {
            _ = try Checkpoint.load(from: root + "/arch")
        }
        // A syntax error gives its line and column (issue 15, finding 10c).
        try "{\n  \"architecture\": \"gpt\",\n  \"n_layer\" 1\n}\n".write(
            toFile: root + "/arch/config.json", atomically: false, encoding: .utf8)
        Self.expectError(root + "/arch/config.json:3:13: not a valid configuration (not valid JSON: Invalid value)") {
            _ = try Checkpoint.load(from: root + "/arch")
        }

        // Saving the wrong number of parameters writes nothing.
        Self.expectError("3 parameters given", "has \(Self.little.parameterLayout().count)") {
            try Checkpoint.save(config: Self.little, parameters: [1, 2, 3], to: root + "/wrong")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/wrong"))
    }
}
