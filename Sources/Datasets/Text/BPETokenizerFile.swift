import Foundation
import GGUF
import NumericCore

/// A byte-level BPE tokenizer as one JSON file:
///
/// ```json
/// {
///   "type": "byte-bpe",
///   "version": 1,
///   "vocab_size": 2048,
///   "special": {"begin": 2045, "end": 2046, "padding": 2047},
///   "merges": [
///     [32, 116],
///     …
///   ],
///   "vocab": [
///     "\\x00",
///     …
///   ]
/// }
/// ```
///
/// `merges` define the tokenizer (merge r makes id 256 + r); `vocab` shows each id's bytes for
/// people (see `BPETokenizer.piece`) and is not read back. The bytes are deterministic: the same
/// tokenizer always writes the same file.
extension BPETokenizer {
    /// The file's bytes (written by hand, one merge and one vocabulary entry per line).
    package func jsonData() -> Data {
        let s = special
        var out = "{\n"
        out += "  \"type\": \"byte-bpe\",\n"
        out += "  \"version\": 1,\n"
        out += "  \"vocab_size\": \(vocabSize),\n"
        out += "  \"special\": {\"begin\": \(s.begin), \"end\": \(s.end), \"padding\": \(s.padding)},\n"
        out += "  \"merges\": ["
        for (r, m) in merges.enumerated() { out += (r == 0 ? "\n" : ",\n") + "    [\(m.left), \(m.right)]" }
        out += merges.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"vocab\": ["
        for id in 0..<Int32(vocabSize) { out += (id == 0 ? "\n" : ",\n") + "    " + JSONText.quoted(piece(id)) }
        out += "\n  ]\n}\n"
        return Data(out.utf8)
    }

    /// Writes the tokenizer to `path`: first to a temporary file beside it, then renamed over
    /// `path`, so the file is never half-written.
    package func save(to path: String) throws(DataError) {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try jsonData().write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw DataError(file: path, "cannot write the tokenizer: \(FileErrorText.cause(error))")
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw DataError(file: path, "cannot move the written tokenizer into place: \(reason)")
        }
    }

    /// Reads a tokenizer written by `save(to:)`. A missing file, bad JSON, a wrong type or version,
    /// a malformed or unknown-id merge, or a `vocab_size` or `special` that does not match the
    /// merges is a `DataError` naming the file and the problem.
    package static func load(_ path: String) throws(DataError) -> BPETokenizer {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(
                file: path,
                FileManager.default.fileExists(atPath: path)
                    ? "cannot read the tokenizer file" : "no such tokenizer file")
        }
        return try decode(data, file: path)
    }

    /// A tokenizer from the bytes of a tokenizer file; `file` names it in errors.
    package static func decode(_ data: Data, file: String) throws(DataError) -> BPETokenizer {
        let f: FileFormat
        do { f = try JSONDecoder().decode(FileFormat.self, from: data) } catch {
            if case DecodingError.dataCorrupted(let context) = error, context.codingPath.isEmpty,
                let syntax = JSONSyntax.problem(in: data)
            {
                throw DataError(
                    file: file, line: syntax.position.line, column: syntax.position.column,
                    "not a byte-BPE tokenizer file: not valid JSON: \(syntax.message)")
            }
            throw DataError(file: file, "not a byte-BPE tokenizer file: \(describe(error))")
        }
        guard f.type == "byte-bpe" else { throw DataError(file: file, "\"type\" is \"\(f.type)\", expected \"byte-bpe\"") }
        guard f.version == 1 else { throw DataError(file: file, "\"version\" is \(f.version), this gscope reads version 1") }
        var merges: [BPEPair] = []
        merges.reserveCapacity(f.merges.count)
        for (r, m) in f.merges.enumerated() {
            guard m.count == 2, let a = Int32(exactly: m[0]), let b = Int32(exactly: m[1]) else {
                throw DataError(file: file, "merge \(r) is \(m), expected two ids [left, right]")
            }
            merges.append(BPEPair(a, b))
        }
        if let problem = problem(in: merges) { throw DataError(file: file, problem) }
        let expected = 256 + merges.count + 3
        guard f.vocabSize == expected else {
            throw DataError(
                file: file,
                "\"vocab_size\" is \(f.vocabSize) but 256 bytes + \(merges.count) merges + 3 special tokens make \(expected)")
        }
        let tokenizer = BPETokenizer(merges: merges)
        guard f.special == tokenizer.special else {
            let s = tokenizer.special
            throw DataError(
                file: file, "\"special\" must be the last three ids: begin \(s.begin), end \(s.end), padding \(s.padding)")
        }
        if let vocab = f.vocab, vocab.count != expected {
            throw DataError(file: file, "\"vocab\" has \(vocab.count) entries, \"vocab_size\" says \(expected)")
        }
        return tokenizer
    }

    struct FileFormat: Decodable {
        var type: String
        var version: Int
        var vocabSize: Int
        var special: SpecialTokens
        var merges: [[Int64]]
        var vocab: [String]?

        enum CodingKeys: String, CodingKey {
            case type, version, special, merges, vocab
            case vocabSize = "vocab_size"
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \"\(key.stringValue)\"" + path(context)
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return context.debugDescription + path(context)
        case DecodingError.dataCorrupted(let context):
            return "bad JSON (\(context.debugDescription))" + path(context)
        default:
            return "\(error)"
        }
    }

    static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty
            ? "" : " at " + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

}
