import Foundation

/// A 1-based line and column in a text file, for messages of the form `file:line:col: problem`.
/// The column counts Unicode scalars from the start of the line.
package struct TextPosition: Equatable, Sendable, CustomStringConvertible {
    package let line: Int
    package let column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The position of byte `offset` of `data` (UTF-8 text); an offset past the end is the
    /// position just after the last byte.
    package init(byteOffset offset: Int, in data: Data) {
        var line = 1, column = 1
        var index = data.startIndex
        let end = data.index(data.startIndex, offsetBy: min(max(offset, 0), data.count))
        while index < end {
            let byte = data[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {   // not a UTF-8 continuation byte: a new scalar
                column += 1
            }
            index += 1
        }
        self.init(line: line, column: column)
    }

    /// `line:column`.
    package var description: String { "\(line):\(column)" }
}

/// Where JSON text stops being JSON, for messages that give the line and column: `JSONDecoder`
/// says only "not valid JSON", `JSONSerialization`'s parser says at which byte.
package enum JSONSyntax {
    /// The syntax problem of `data` and its position, or nil when `JSONSerialization` accepts it
    /// (it is more lenient than `JSONDecoder` about trailing commas: such a file then gets
    /// the decoder's own words, without a position). At the end of the text for a truncated file.
    package static func problem(in data: Data) -> (message: String, position: TextPosition)? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "not valid JSON"
            // "Invalid value around character 18." (a byte offset), or no offset at the end of the text.
            guard let range = text.range(of: " around character ") else {
                return (trimmed(text), TextPosition(byteOffset: data.count, in: data))
            }
            let digits = text[range.upperBound...].prefix(while: \.isNumber)
            let offset = Int(digits) ?? data.count
            return (trimmed(String(text[..<range.lowerBound])), TextPosition(byteOffset: offset, in: data))
        }
    }

    private static func trimmed(_ text: String) -> String {
        var t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
