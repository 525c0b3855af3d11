import Foundation
import TestSupport

/// A GGUF file (llama.cpp's model format) built field by field for fuzzing: a tiny Llama with a
/// GPT-2 byte-level tokenizer, written from the format description (ggml docs/gguf.md). Writing
/// records where every count, length, type code, dimension and offset sits, so that edits can put
/// absurd values exactly there; metadata values are edited before writing.
struct GGUFImage {
    /// A metadata value, with GGUF's type codes.
    indirect enum Value {
        case uint32(UInt32), int32(Int32), uint64(UInt64), float32(Float), bool(Bool), string(String)
        case array(elementType: UInt32, [Value])

        var typeCode: UInt32 {
            switch self {
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            }
        }
    }

    struct Tensor {
        var name: String
        var dimensions: [UInt64]
        var typeCode: UInt32
        var data: [UInt8]
    }

    /// A field of the written file: what it is, its byte offset and width.
    struct Field {
        enum Kind: String, CaseIterable {
            case version, tensorCount, metadataCount, keyLength, valueType, stringLength, arrayType, arrayCount
            case dimensionCount, dimension, tensorType, tensorOffset
        }
        var kind: Kind
        var owner: String
        var offset: Int
        var width: Int
    }

    var metadata: [(key: String, value: Value)] = []
    var tensors: [Tensor] = []
    var alignment = 32

    /// The file's bytes and the position of every field.
    func written() -> (bytes: [UInt8], fields: [Field]) {
        var out: [UInt8] = Array("GGUF".utf8)
        var fields: [Field] = []
        func le<T: FixedWidthInteger>(_ v: T, _ kind: Field.Kind? = nil, _ owner: String = "") {
            if let kind { fields.append(Field(kind: kind, owner: owner, offset: out.count, width: MemoryLayout<T>.size)) }
            Swift.withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        func string(_ s: String, _ kind: Field.Kind, _ owner: String) {
            le(UInt64(s.utf8.count), kind, owner)
            out.append(contentsOf: s.utf8)
        }
        func value(_ v: Value, _ owner: String) {
            switch v {
            case .uint32(let x): le(x)
            case .int32(let x): le(x)
            case .uint64(let x): le(x)
            case .float32(let x): le(x.bitPattern)
            case .bool(let b): out.append(b ? 1 : 0)
            case .string(let s): string(s, .stringLength, owner)
            case .array(let t, let elements):
                le(t, .arrayType, owner)
                le(UInt64(elements.count), .arrayCount, owner)
                for (i, e) in elements.enumerated() { value(e, "\(owner)[\(i)]") }
            }
        }
        le(UInt32(3), .version)
        le(UInt64(tensors.count), .tensorCount)
        le(UInt64(metadata.count), .metadataCount)
        for (key, v) in metadata {
            string(key, .keyLength, key)
            le(v.typeCode, .valueType, key)
            value(v, key)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            string(t.name, .keyLength, t.name)
            le(UInt32(t.dimensions.count), .dimensionCount, t.name)
            for d in t.dimensions { le(d, .dimension, t.name) }
            le(t.typeCode, .tensorType, t.name)
            le(UInt64(offset), .tensorOffset, t.name)
            offsets.append(offset)
            offset = (offset + t.data.count + alignment - 1) / alignment * alignment
        }
        while out.count % alignment != 0 { out.append(0) }
        let start = out.count
        for (t, o) in zip(tensors, offsets) {
            while out.count < start + o { out.append(0) }
            out += t.data
        }
        return (out, fields)
    }

    /// GPT-2's byte-to-character table: printable bytes stand for themselves, the others for
    /// characters from U+0100 on.
    static let byteCharacters: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var n = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            codes.append(256 + n)
            n += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (b, c) in zip(printable, codes) { table[b] = Character(Unicode.Scalar(UInt32(c))!) }
        return table
    }()

    /// A one-block Llama (width 32, 4 query heads on 2 key/value heads, FFN 64, context 32) with a
    /// 262-token byte-level vocabulary (256 bytes, 4 merges, begin and end); tensors in F32, F16
    /// and Q8_0, values from `rng`.
    static func tinyLlama(rng: inout SplitMix) -> GGUFImage {
        var image = GGUFImage()
        let bytes = byteCharacters.map(String.init)
        let merges = ["Ġ t", "h e", "Ġt he", "i n"]
        let tokens = bytes + merges.map { $0.replacingOccurrences(of: " ", with: "") } + ["<|im_start|>", "<|im_end|>"]
        let vocab = tokens.count, width = 32, ffn = 64
        image.metadata = [
            ("general.architecture", .string("llama")),
            ("general.name", .string("fuzz-llama")),
            ("general.alignment", .uint32(32)),
            ("llama.block_count", .uint32(1)),
            ("llama.context_length", .uint32(32)),
            ("llama.embedding_length", .uint32(UInt32(width))),
            ("llama.feed_forward_length", .uint32(UInt32(ffn))),
            ("llama.attention.head_count", .uint32(4)),
            ("llama.attention.head_count_kv", .uint32(2)),
            ("llama.rope.freq_base", .float32(10000)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(elementType: 5, tokens.indices.map { .int32($0 >= vocab - 2 ? 3 : 1) })),
            ("tokenizer.ggml.merges", .array(elementType: 8, merges.map { .string($0) })),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(vocab - 2))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocab - 1))),
            ("tokenizer.ggml.add_bos_token", .bool(false)),
        ]
        func f32(_ n: Int, around: Float = 0) -> [UInt8] {
            (0..<n).flatMap { _ -> [UInt8] in
                let v = around + Float(Int(rng.next() % 2001) - 1000) / 5000
                return withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
            }
        }
        func f16(_ n: Int) -> [UInt8] {
            (0..<n).flatMap { _ -> [UInt8] in
                let v = Float16(Float(Int(rng.next() % 2001) - 1000) / 5000)
                return withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
            }
        }
        func q8(_ n: Int) -> [UInt8] {
            (0..<(n / 32)).flatMap { _ -> [UInt8] in
                withUnsafeBytes(of: Float16(0.01).bitPattern.littleEndian, Array.init)
                    + (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        func add(_ name: String, _ shape: [Int], _ type: UInt32) {
            let n = shape.reduce(1, *)
            let data = type == 1 ? f16(n) : type == 8 ? q8(n) : f32(n, around: name.hasSuffix("norm.weight") ? 1 : 0)
            image.tensors.append(Tensor(name: name, dimensions: shape.reversed().map(UInt64.init), typeCode: type, data: data))
        }
        add("token_embd.weight", [vocab, width], 0)
        add("blk.0.attn_norm.weight", [width], 0)
        add("blk.0.attn_q.weight", [width, width], 1)
        add("blk.0.attn_k.weight", [width / 2, width], 0)
        add("blk.0.attn_v.weight", [width / 2, width], 8)
        add("blk.0.attn_output.weight", [width, width], 0)
        add("blk.0.ffn_norm.weight", [width], 0)
        add("blk.0.ffn_gate.weight", [ffn, width], 8)
        add("blk.0.ffn_up.weight", [ffn, width], 1)
        add("blk.0.ffn_down.weight", [width, ffn], 0)
        add("output_norm.weight", [width], 0)
        return image
    }

    /// Absurd values for the `llama.*` sizes and the tokenizer's ids.
    static let absurdSizes: [UInt64] = [
        0, 1, 3, 7, 1_000_000_000, 1 << 31, 1 << 32, 1 << 40, 1 << 62, UInt64(Int64.max), UInt64.max,
    ]

    /// One metadata or tensor-table edit made before writing.
    mutating func editStructure(rng: inout SplitMix) -> String {
        switch rng.below(6) {
        case 0, 1, 2:
            let i = rng.below(metadata.count)
            let key = metadata[i].key
            let value: Value
            switch metadata[i].value {
            case .uint32, .int32, .uint64:
                let size = rng.pick(Self.absurdSizes)
                value = rng.chance(0.7) ? .uint64(size) : rng.chance(0.5) ? .int32(-1) : .string("\(size)")
            case .float32:
                value = .float32(rng.pick([Float.nan, .infinity, -1, 0, .leastNonzeroMagnitude, 3e38]))
            case .bool:
                value = rng.chance(0.5) ? .uint32(2) : .string("true")
            case .string(let s):
                value = .string(rng.pick(["", "gpt2", "llama", "bert", "default", "\u{0}", String(repeating: s, count: 50)]))
            case .array(let t, let elements):
                switch rng.below(5) {
                case 0: value = .array(elementType: t, Array(elements.prefix(rng.below(max(1, elements.count)))))
                case 1: value = .array(elementType: t, [])
                case 2:
                    value = .array(elementType: 4, elements.indices.map { _ in .uint32(UInt32(truncatingIfNeeded: rng.next())) })
                case 3: value = .array(elementType: t, elements + elements.prefix(3))
                default:
                    var e = elements
                    if !e.isEmpty {
                        e[rng.below(e.count)] = rng.pick([
                            .string(""), .string("a b c"), .string("Ġ Ġ"), .string("\u{0}"), .string("zz qq"),
                        ])
                    }
                    value = .array(elementType: t, e)
                }
            }
            metadata[i].value = value
            return "metadata \(key) := \(value)".prefix(160).description
        case 3:
            let i = rng.below(tensors.count)
            let name = tensors[i].name
            if rng.chance(0.5) {
                tensors.remove(at: i)
                return "tensor \(name) removed"
            }
            tensors[i].name = tensors[rng.below(tensors.count)].name
            return "tensor \(name) renamed to \(tensors[i].name) (a duplicate name)"
        case 4:
            let i = rng.below(tensors.count)
            tensors[i].dimensions.reverse()
            if rng.chance(0.5) { tensors[i].dimensions.append(1) }
            return "tensor \(tensors[i].name) dimensions := \(tensors[i].dimensions)"
        default:
            let i = rng.below(metadata.count)
            let key = metadata.remove(at: i).key
            return "metadata \(key) removed"
        }
    }

    /// A value written over a field of the file: absurd for its kind.
    static func absurdFieldValue(_ field: Field, fileSize: Int, rng: inout SplitMix) -> UInt64 {
        switch field.kind {
        case .valueType, .arrayType:
            return rng.pick([0, 1, 2, 3, 9, 11, 12, 13, 99, 0xFFFF_FFFF] as [UInt64])
        case .tensorType:
            return rng.pick([1, 2, 3, 8, 10, 12, 14, 16, 20, 24, 28, 30, 31, 34, 39, 40, 1000, 0xFFFF_FFFF] as [UInt64])
        case .dimensionCount:
            return rng.pick([0, 3, 4, 5, 16, 1 << 31, 0xFFFF_FFFF] as [UInt64])
        case .version:
            return rng.pick([0, 1, 2, 4, 0xFFFF_FFFF] as [UInt64])
        case .tensorOffset:
            return rng.pick([1, 3, 32, UInt64(fileSize), 1 << 40, 1 << 63, UInt64.max, UInt64.max - 31] as [UInt64])
        default:
            return rng.pick(absurdSizes + [2, 1 << 20, UInt64(fileSize)])
        }
    }

    /// The bytes with one field overwritten by an absurd value for its kind.
    static func overwriteField(_ bytes: [UInt8], fields: [Field], rng: inout SplitMix) -> ([UInt8], String) {
        let kind = rng.pick(Field.Kind.allCases)
        let candidates = fields.filter { $0.kind == kind }
        let field = candidates.isEmpty ? rng.pick(fields) : rng.pick(candidates)
        let value = absurdFieldValue(field, fileSize: bytes.count, rng: &rng)
        var out = bytes
        // Earlier byte edits of the same case may have moved or cut the field: write what is still there.
        for k in 0..<field.width where field.offset + k < out.count {
            out[field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))
        }
        return (
            out,
            "\(field.kind.rawValue) of \(field.owner.isEmpty ? "the header" : field.owner) (byte \(field.offset)) := \(value)"
        )
    }
}
