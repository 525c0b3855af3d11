import Foundation
import Testing
import GGUF

/// The real model, `models/SmolLM2-135M-Instruct.Q4_1.gguf` (fetched by `make model`; never
/// committed). These tests run only when it is present and print a note when it is not. They
/// compare the reader with `Tests/Fixtures/gguf/smollm2.json`, written from the same file by the
/// `gguf` Python package (`notebooks-scripts/parity/gguf_fixture.py`).
@Suite("SmolLM2 GGUF file")
struct SmolLM2FileTests {
    static let modelPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    static var present: Bool {
        let there = FileManager.default.fileExists(atPath: modelPath)
        if !there { print("note: \(modelPath) is missing (make model fetches it): the SmolLM2 file tests are skipped") }
        return there
    }

    struct Fixture: Decodable {
        struct Tensor: Decodable { var name: String; var type: String; var ne: [Int] }
        struct Sample: Decodable {
            var type: String; var count: Int; var positions: [Int]; var values: [Float]
            var sum: Double; var sum_squares: Double
        }
        var file_size: Int
        var metadata_count: Int
        var tensors: [Tensor]
        var samples: [String: Sample]
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("gguf/smollm2.json"))))
    }

    @Test(.enabled(if: present)) func tensorTableAndMetadata() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let expected = try Self.fixture()
        #expect(file.fileSize == expected.file_size)
        #expect(file.version == 3)
        #expect(file.metadataKeys.count == expected.metadata_count)
        #expect(file.tensors.count == 272)
        #expect(file.tensors.count == expected.tensors.count)
        for (got, want) in zip(file.tensors, expected.tensors) {
            #expect(
                got.name == want.name && got.type.description == want.type && got.dimensions == want.ne,
                "\(got.name) \(got.type) \(got.dimensions) vs \(want.name) \(want.type) \(want.ne)")
        }
        #expect(try file.string("general.architecture") == "llama")
        #expect(try file.int("llama.block_count") == 30)
        #expect(try file.int("llama.embedding_length") == 576)
        #expect(try file.int("llama.attention.head_count") == 9)
        #expect(try file.int("llama.attention.head_count_kv") == 3)
        #expect(try file.int("llama.feed_forward_length") == 1536)
        #expect(try file.double("llama.rope.freq_base") == 100_000)
        #expect(try file.strings("tokenizer.ggml.tokens").count == 49152)
        #expect(try file.tensor("token_embd.weight").shape == [49152, 576])
        #expect(try file.tensor("blk.0.attn_k.weight").shape == [192, 576])
        let types = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
        #expect(types == [.q4_1: 210, .f32: 61, .q8_0: 1])
    }

    /// 64 values at fixed positions must be equal exactly. The sum and the sum of squares (each
    /// square exact in Double) may differ only by rounding: numpy sums pairwise over runs of 128,
    /// within (128 + log2 n)·2^-53·Σ|x|; here they are summed with Kahan compensation (within
    /// 2·2^-53·Σ|x|), so they must agree within (130 + log2 n)·2^-53·Σ|x|.
    @Test(.enabled(if: present)) func sampledValuesMatchTheGGUFPackage() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let expected = try Self.fixture()
        #expect(Set(expected.samples.values.map(\.type)) == ["Q8_0", "Q4_1", "F32"])
        for (name, sample) in expected.samples.sorted(by: { $0.key < $1.key }) {
            let x = try file.floats(name)
            #expect(x.count == sample.count)
            let got = sample.positions.map { x[$0] }
            let maxError = zip(got, sample.values).map { abs($0 - $1) }.max() ?? 0
            #expect(got == sample.values, "\(name): max abs error \(maxError)")
            var sum = KahanSum(), squares = KahanSum(), magnitude = 0.0
            for v in x {
                let d = Double(v)
                sum.add(d); squares.add(d * d); magnitude += abs(d)
            }
            let relative = (130 + log2(Double(x.count))) * 0x1p-53
            #expect(abs(sum.value - sample.sum) <= relative * magnitude, "\(name): sum \(sum.value) vs \(sample.sum)")
            #expect(
                abs(squares.value - sample.sum_squares) <= relative * squares.value,
                "\(name): sum of squares \(squares.value) vs \(sample.sum_squares)")
        }
    }

    /// Dequantizes every tensor of the model and reports the time (release builds: well under a second).
    @Test(.enabled(if: present)) func dequantizeTheWholeModel() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let start = Date()
        var elements = 0
        var checksum = 0.0
        for info in file.tensors {
            let x = try file.floats(info)
            elements += x.count
            checksum += Double(x[x.count / 2])
        }
        let seconds = Date().timeIntervalSince(start)
        print(
            String(
                format: "dequantized %d tensors, %d elements (%.1f MB of Float) in %.3f s (checksum %.6f)",
                file.tensors.count, elements, Double(elements * 4) / 1e6, seconds, checksum))
        #expect(elements == 134_515_008)
    }
}

/// Kahan–Babuška (Neumaier) compensated summation.
struct KahanSum {
    var sum = 0.0, compensation = 0.0
    mutating func add(_ x: Double) {
        let t = sum + x
        compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        sum = t
    }
    var value: Double { sum + compensation }
}
