import Foundation
import GGUF

/// Reads the texts a tokenizer is trained on from a path.
///
/// - A TOFU-shaped directory (one holding `full.json`): `full.json` alone, since every other split
///   is a subset or a variant of it (and TOFU's `idontknow.jsonl` is plain text, not JSON lines).
/// - Any other directory: every `*.json` and `*.jsonl` file directly in it, in sorted name order,
///   each read as below.
/// - A `*.json` or `*.jsonl` file: JSON lines, one object per non-empty line; its `question` and
///   `answer` string fields are the texts (in that order). Lines with neither field are skipped; a
///   line that is not a JSON object is a `DataError` with the file and line. A `.json` file whose
///   content starts with `[` is read as one array of such objects.
/// - Any other file: its whole content is one text (it must be UTF-8).
package enum TextCorpus {
    /// The fields of a JSON object that are read as texts.
    package static let fields = ["question", "answer"]

    /// The texts at `path` (see the type's description).
    package static func load(_ path: String) throws(DataError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "no such file or directory")
        }
        if isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw DataError(file: path, "cannot list the directory")
            }
            let files =
                names.contains("full.json")
                ? ["full.json"]
                : names.filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }.sorted()
            guard !files.isEmpty else { throw DataError(file: path, "no *.json or *.jsonl files in the directory") }
            var texts: [String] = []
            for name in files { texts += try jsonTexts(URL(fileURLWithPath: path).appendingPathComponent(name).path) }
            return texts
        }
        if path.hasSuffix(".json") || path.hasSuffix(".jsonl") { return try jsonTexts(path) }
        return [try readUTF8(path)]
    }

    /// The `question` and `answer` texts of a JSON-lines file (or of a JSON array).
    static func jsonTexts(_ path: String) throws(DataError) -> [String] {
        let content = try readUTF8(path)
        var texts: [String] = []
        func take(_ object: [String: Any]) {
            for field in fields { if let s = object[field] as? String { texts.append(s) } }
        }
        if path.hasSuffix(".json"), content.first(where: { !$0.isWhitespace }) == "[" {
            let data = Data(content.utf8)
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
                if let syntax = JSONSyntax.problem(in: data) {
                    throw DataError(
                        file: path, line: syntax.position.line, column: syntax.position.column,
                        "not valid JSON: \(syntax.message)")
                }
                throw DataError(file: path, "not a JSON array")
            }
            for (i, element) in array.enumerated() {
                guard let object = element as? [String: Any] else {
                    throw DataError(file: path, "element \(i) is not a JSON object")
                }
                take(object)
            }
            return texts
        }
        var lineNumber = 0
        for line in content.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                if let syntax = JSONSyntax.problem(in: Data(line)) {
                    throw DataError(
                        file: path, line: lineNumber, column: syntax.position.column, "not valid JSON: \(syntax.message)")
                }
                throw DataError(
                    file: path, line: lineNumber,
                    "not a JSON object (expected one object per line with \"question\" and \"answer\")")
            }
            take(object)
        }
        return texts
    }

    static func readUTF8(_ path: String) throws(DataError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError(file: path, "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(file: path, "not UTF-8 text") }
        return text
    }
}
