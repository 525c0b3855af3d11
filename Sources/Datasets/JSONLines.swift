import Foundation
import GGUF

/// Reading JSON-lines files (one JSON value per line, as TOFU stores its splits) into `Decodable`
/// values, line by line, with errors a user can act on.
///
/// Every problem is a `DataError` naming the file and, where there is one, the 1-based line:
/// malformed JSON, a missing or mistyped field (named, with its path for nested values), bytes that
/// are not UTF-8 (checked before decoding; the message gives the byte offset within the line), and
/// an empty file. Blank lines (only spaces, tabs, `\r`) are skipped but still counted, so line
/// numbers match what an editor shows. A trailing `\r` (CRLF files) and a UTF-8 byte-order mark at
/// the start of the file are accepted.
package enum JSONLines {
    /// Decodes every non-blank line of the file at `path` as a `T`.
    ///
    /// - Parameter allowEmpty: when false (the default), a file without any non-blank line is an
    ///   error ("the file is empty").
    package static func read<T: Decodable>(_ type: T.Type, path: String, allowEmpty: Bool = false)
        throws(DataError) -> [T]
    {
        try readNumbered(type, path: path, allowEmpty: allowEmpty).map(\.value)
    }

    /// Like `read`, keeping the 1-based line number of each value (for messages about the values).
    package static func readNumbered<T: Decodable>(_ type: T.Type, path: String, allowEmpty: Bool = false)
        throws(DataError) -> [(line: Int, value: T)]
    {
        let data = try contents(of: path)
        return try decode(type, from: data, file: path, allowEmpty: allowEmpty)
    }

    /// Decodes JSON lines held in memory; `file` is the name the errors give.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String, allowEmpty: Bool = false)
        throws(DataError) -> [(line: Int, value: T)]
    {
        let decoder = JSONDecoder()
        var values: [(line: Int, value: T)] = []
        try forEachLine(of: data, file: file) { (number, bytes) throws(DataError) in
            do {
                values.append((number, try decoder.decode(T.self, from: bytes)))
            } catch let error as DecodingError {
                if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                    let syntax = JSONSyntax.problem(in: bytes)
                    throw DataError(
                        file: file, line: number, column: syntax?.position.column,
                        "malformed JSON: \(syntax?.message ?? context.debugDescription)")
                }
                throw DataError(file: file, line: number, describe(error))
            } catch {
                throw DataError(file: file, line: number, "malformed JSON: \(error)")
            }
        }
        if values.isEmpty && !allowEmpty {
            throw DataError(file: file, "the file is empty: expected at least one JSON line")
        }
        return values
    }

    /// The non-blank lines of a plain text file (one item per line, such as TOFU's
    /// `idontknow.jsonl`), without surrounding white space, checked to be UTF-8.
    package static func readTextLines(path: String, allowEmpty: Bool = false) throws(DataError) -> [String] {
        let data = try contents(of: path)
        var lines: [String] = []
        try forEachLine(of: data, file: path) { (_, bytes) throws(DataError) in
            lines.append(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
        }
        if lines.isEmpty && !allowEmpty {
            throw DataError(file: path, "the file is empty: expected at least one line of text")
        }
        return lines
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and code points above U+10FFFF are ill-formed), or nil if all are valid.
    package static func firstInvalidUTF8<C: Collection>(in bytes: C) -> Int? where C.Element == UInt8 {
        let b = Array(bytes)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF   // the range allowed for the second byte
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default: return i
            }
            var j = i + 1
            while need > 0 {
                guard j < b.count else { return i }
                let d = b[j]
                if j == i + 1 {
                    guard d >= low && d <= high else { return i }
                } else {
                    guard d >= 0x80 && d <= 0xBF else { return i }
                }
                j += 1; need -= 1
            }
            i = j
        }
        return nil
    }

    // MARK: - Internals

    private static func contents(of path: String) throws(DataError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw DataError(file: path, "is a directory, expected a file") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataError(file: path, "cannot be read: \(FileErrorText.cause(error))")
        }
    }

    /// Calls `body` with the 1-based number and the bytes of every non-blank line, after checking
    /// that the line is UTF-8.
    private static func forEachLine(
        of data: Data, file: String,
        _ body: (Int, Data) throws(DataError) -> Void
    ) throws(DataError) {
        let bytes = [UInt8](data)
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var number = 0
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var last = end
            if last > start && bytes[last - 1] == 0x0D { last -= 1 }
            let line = bytes[start..<last]
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) {
                if let offset = firstInvalidUTF8(in: line) {
                    let shown = line[(line.startIndex + offset)...].prefix(4)
                        .map { String(format: "0x%02X", $0) }.joined(separator: " ")
                    throw DataError(
                        file: file, line: number,
                        "invalid UTF-8 at byte offset \(offset) of the line (bytes \(shown))")
                }
                try body(number, Data(line))
            }
            start = end + 1
        }
    }

    /// Says what went wrong in a decoding error, naming the field.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : "." + key.stringValue
                }
            }
            return text
        }
        func typeName(_ type: Any.Type) -> String {
            switch type {
            case is String.Type: return "a string"
            case is [String].Type: return "a list of strings"
            case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
            case is Double.Type, is Float.Type: return "a number"
            case is Bool.Type: return "true or false"
            default:
                let name = "\(type)"
                return name.hasPrefix("Array") ? "a list" : (name.hasPrefix("Dictionary") ? "an object" : name)
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\""
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty { return "not a JSON object: every line must hold one object (found another JSON value)" }
            return "field \"\(field)\" has the wrong type: expected \(typeName(type))"
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return "field \"\(field)\" is null: expected \(typeName(type))"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            var detail = context.debugDescription
            if let underlying = context.underlyingError {
                let text =
                    (underlying as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                    ?? "\(underlying)"
                if !text.isEmpty { detail = text }
            }
            if field.isEmpty { return "malformed JSON: \(detail)" }
            return "field \"\(field)\" is invalid: \(detail)"
        @unknown default:
            return "malformed JSON: \(error)"
        }
    }
}
