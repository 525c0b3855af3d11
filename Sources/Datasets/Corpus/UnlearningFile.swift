/// A forget, retain or risk set of the user's own: a JSON-lines file (one object per line) whose
/// rows are all of one kind.
///
/// - **Question–answer rows** `{"question": …, "answer": …}`, as TOFU's files: formatted with
///   `QAFormatter` exactly as a TOFU split is, so the loss covers the answer (and the end token)
///   only.
/// - **Text rows** `{"text": …}`, as MUSE's news and books corpora or WMDP's forget corpora:
///   raw-text unlearning, formatted with `TextWindowFormatter`, so the loss covers every token
///   after the first.
///
/// Other keys of a row are ignored (TOFU's perturbed files, a corpus's ids and titles). Each of
/// these is a `DataError` naming the file and the 1-based line: malformed JSON or bytes that are
/// not UTF-8 (as every JSON-lines reader, `JSONLines`), a `question`, `answer` or `text` that is
/// not a string (null included), a row with neither kind, a question without an answer or the
/// other way round, a row with both kinds, an empty or blank `text`, a row whose kind differs
/// from the first row's, and a file without a single row.
package struct UnlearningFile: Sendable {
    /// What the rows of a file hold.
    package enum Kind: String, Sendable {
        /// `question` and `answer`: the loss on the answer only.
        case qa
        /// `text`: the loss on every token after the first.
        case text
    }

    /// The path as given.
    package let path: String
    /// The kind of every row.
    package let kind: Kind
    /// Question–answer rows (empty for a text file).
    package let questions: [QASample]
    /// Text rows (empty for a question–answer file).
    package let texts: [String]

    /// The number of rows.
    package var count: Int { kind == .qa ? questions.count : texts.count }

    /// Reads and checks a file (see the type's description for what is refused).
    package init(path: String) throws(DataError) {
        let rows = try JSONLines.readNumbered(Row.self, path: path)
        var kind: (Kind, line: Int)?
        var questions: [QASample] = [], texts: [String] = []
        for (line, row) in rows {
            let this = try row.kind(file: path, line: line)
            if let (first, firstLine) = kind, first != this {
                throw DataError(
                    file: path, line: line,
                    "this row holds \(this.description) but line \(firstLine) holds \(first.description): "
                        + "a file holds one kind of row (split it into two files)")
            }
            if kind == nil { kind = (this, line) }
            switch this {
            case .qa: questions.append(QASample(question: row.question!, answer: row.answer!))
            case .text: texts.append(row.text!)
            }
        }
        self.path = path
        self.kind = kind!.0   // `readNumbered` refuses a file without rows
        self.questions = questions
        self.texts = texts
    }

    /// One line as read: each field that is present must be a string.
    private struct Row: Decodable {
        let question: String?, answer: String?, text: String?

        enum CodingKeys: String, CodingKey { case question, answer, text }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // `decode` rather than `decodeIfPresent`: a null value is an error ("is null"), not a
            // missing key.
            func field(_ key: CodingKeys) throws -> String? { c.contains(key) ? try c.decode(String.self, forKey: key) : nil }
            question = try field(.question)
            answer = try field(.answer)
            text = try field(.text)
        }

        /// The row's kind, or the error that says what is wrong with it.
        func kind(file: String, line: Int) throws(DataError) -> Kind {
            let qa = question != nil || answer != nil
            if let text {
                guard !qa else {
                    throw DataError(
                        file: file, line: line,
                        "a row holds \"text\" or \"question\" and \"answer\", not both")
                }
                guard text.contains(where: { !$0.isWhitespace }) else {
                    throw DataError(file: file, line: line, "field \"text\" is empty: there is nothing to unlearn")
                }
                return .text
            }
            guard qa else {
                throw DataError(
                    file: file, line: line,
                    "a row needs \"question\" and \"answer\" (loss on the answer) or \"text\" (loss on every token)")
            }
            guard question != nil else { throw DataError(file: file, line: line, "missing field \"question\" beside \"answer\"") }
            guard answer != nil else { throw DataError(file: file, line: line, "missing field \"answer\" beside \"question\"") }
            return .qa
        }
    }
}

extension UnlearningFile.Kind: CustomStringConvertible {
    /// "question–answer pairs" or "text", for messages.
    package var description: String { self == .qa ? "a question and an answer" : "a text" }
}
