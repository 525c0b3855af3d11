import Foundation
import GGUF
import Testing

/// A GGUF file whose metadata claims absurd sizes (10⁹ blocks, a width of 2³¹, an MLP of 2⁴⁰) is
/// refused by `gscope` at once, naming the file and the key, with exit status 2 (issue 15, finding
/// 5). The code before hung with memory growing, trapped on overflow or died allocating. Runs the
/// release binary (`make test` builds it first).
@Suite("GGUF claimed sizes")
struct GGUFClaimedSizesTests {
    static let gscope = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/release/gscope").path

    /// A llama GGUF holding only the token embedding (16 × 8, F32), with `overrides` in its
    /// metadata over a small consistent configuration.
    static func ggufBytes(_ overrides: [String: GGUFValue]) -> [UInt8] {
        var metadata: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("llama.block_count", .uint32(1)), ("llama.attention.head_count", .uint32(2)),
            ("llama.attention.head_count_kv", .uint32(1)), ("llama.embedding_length", .uint32(8)),
            ("llama.feed_forward_length", .uint32(12)), ("llama.context_length", .uint32(32)),
            ("llama.rope.freq_base", .float32(10_000)), ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
        ]
        metadata = metadata.map { key, value in (key, overrides[key] ?? value) }
        var w = GGUFTestWriter()
        for (key, value) in metadata { w.add(key, value) }
        w.addTensor("token_embd.weight", dimensions: [8, 16], type: .f32, data: [UInt8](repeating: 0, count: 8 * 16 * 4))
        return w.bytes()
    }

    /// Runs gscope with `arguments`; its exit status and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gscope)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    @Test(arguments: [
        ("llama.block_count", GGUFValue.uint32(1_000_000_000), "llama.block_count is 1000000000"),
        ("llama.embedding_length", GGUFValue.uint64(1 << 31), "llama.embedding_length is 2147483648"),
        ("llama.feed_forward_length", GGUFValue.uint64(1 << 40), "llama.feed_forward_length is 1099511627776"),
    ])
    func absurdMetadataIsRefusedNamingTheKey(key: String, value: GGUFValue, expected: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.gscope) else {
            Issue.record("\(Self.gscope) is missing: build it first (`make test` does)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gscope-gguf-sizes-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/claims.gguf"
        try Data(Self.ggufBytes([key: value])).write(to: URL(fileURLWithPath: path))
        // The file itself is well-formed: only the sizes it claims are absurd.
        #expect(try GGUFFile(path: path).int(key) == value.int)

        let (status, stderr) = try Self.run([
            "score", "--model", path, "--tokenizer", "byte", "--text", "hello", "--threads", "1",
        ])
        #expect(status == 2, "\(stderr)")
        #expect(stderr.hasPrefix("gscope: \(path): \(expected)"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
    }
}
