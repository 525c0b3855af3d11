import Datasets
import Foundation
import Testing

/// Forget and retain files of the user's own (`data.forget_file`): question–answer rows formatted
/// as TOFU's, text rows cut into windows with the loss on every token, and every bad file named
/// with its line.
@Suite("Forget and retain files")
struct UnlearningFileTests {
    /// A file holding `text` in a fresh directory.
    static func file(_ text: String, name: String = "set.jsonl") -> String {
        let path = TestData.temporaryDirectory("own-data") + "/" + name
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func questionAnswerRowsReadAsTOFUsRows() throws {
        // Extra keys, any key order, a blank line and CRLF endings.
        let path = Self.file(
            #"{"answer": "A1.", "question": "Q1?", "id": 7}"# + "\r\n\n"
                + #"{"question": "Q2?", "answer": "", "perturbed_answer": ["x"]}"# + "\n")
        let f = try UnlearningFile(path: path)
        #expect(f.kind == .qa && f.count == 2 && f.texts.isEmpty)
        #expect(f.questions == [QASample(question: "Q1?", answer: "A1."), QASample(question: "Q2?", answer: "")])
    }

    @Test func theRealForgetSplitReadAsAFileGivesTheSameItems() throws {
        let tofu = try TOFUDirectory(path: TestData.tofu)
        let f = try UnlearningFile(path: tofu.filePath(TOFUSplit.forget05Perturbed.fileName))
        #expect(f.kind == .qa)
        #expect(f.questions == (try tofu.load(.forget05)), "question and answer only, the perturbed fields ignored")
    }

    @Test func textRowsReadAsText() throws {
        let f = try UnlearningFile(path: Self.file(#"{"text": "one"}"# + "\n" + #"{"text": "two\nlines", "source": "x"}"#))
        #expect(f.kind == .text && f.texts == ["one", "two\nlines"] && f.questions.isEmpty)
    }

    @Test func badFilesAreNamedWithTheirLine() throws {
        let cases: [(String, Int?, String)] = [
            (
                #"{"text": "a"}"# + "\n" + #"{"question": "q", "answer": "a"}"#, 2,
                "this row holds a question and an answer but line 1 holds a text: a file holds one kind of row"
            ),
            (
                #"{"question": "q", "answer": "a"}"# + "\n\n" + #"{"text": "a"}"#, 3,
                "this row holds a text but line 1 holds a question and an answer"
            ),
            (#"{"title": "none"}"#, 1, "a row needs \"question\" and \"answer\" (loss on the answer) or \"text\""),
            (#"{"text": 5}"#, 1, "field \"text\" has the wrong type: expected a string"),
            (#"{"question": "q", "answer": ["a"]}"#, 1, "field \"answer\" has the wrong type: expected a string"),
            (#"{"text": null}"#, 1, "field \"text\" is null: expected a string"),
            (#"{"question": "q"}"#, 1, "missing field \"answer\" beside \"question\""),
            (#"{"answer": "a"}"#, 1, "missing field \"question\" beside \"answer\""),
            (
                #"{"text": "t", "question": "q", "answer": "a"}"#, 1,
                "a row holds \"text\" or \"question\" and \"answer\", not both"
            ),
            (#"{"text": " \n\t"}"#, 1, "field \"text\" is empty"),
            (#"{"text": "a"}"# + "\n" + #"{"text": "b""#, 2, "malformed JSON"),
            ("[\"text\"]", 1, "not a JSON object"),
            ("\n  \n", nil, "the file is empty"),
        ]
        for (text, line, message) in cases {
            let path = Self.file(text)
            let error = try #require(throws: DataError.self) { _ = try UnlearningFile(path: path) }
            #expect(error.file == path && error.line == line, "\(text) → \(error)")
            #expect(error.message.hasPrefix(message), "\(text) → \(error)")
        }
        let missing = try #require(throws: DataError.self) { _ = try UnlearningFile(path: "/nonexistent/forget.jsonl") }
        #expect(missing.description == "/nonexistent/forget.jsonl: no such file")
    }

    @Test func textIsCutIntoWindowsWithEveryTokenInTheLoss() throws {
        let t = ByteTokenizer()
        let f = TextWindowFormatter(tokenizer: t, maxLength: 4)
        let text = "abcdefghij"   // 10 byte tokens: windows of 4, 4 and 2
        let windows = f.windows(text)
        #expect(windows.count == 3)
        #expect(windows.map(\.length) == [4, 4, 2])
        #expect(windows.flatMap { $0.ids.dropFirst() } == t.encode(text), "every token in exactly one window, in order")
        for w in windows {
            #expect(w.ids.first == t.special.begin && !w.ids.dropFirst().contains(t.special.end))
            #expect(w.mask == [Float](repeating: 1, count: w.length), "the loss covers every target")
            #expect(w.answerTokenCount == w.length && !w.truncated)
        }
        // Exactly maxLength tokens: one window; one more: a second window of one token.
        #expect(f.windows("abcd").map(\.length) == [4])
        #expect(f.windows("abcde").map(\.length) == [4, 1])
        let all = f.format(["abcde", "xy"])
        #expect(all.samples.map(\.length) == [4, 1, 2] && all.textIndex == [0, 0, 1])
        // In a batch, the mask is 1 on every position of every window and 0 on the padding.
        let batch = TokenBatch(samples: all.samples, indices: [0, 1, 2], padding: t.special.padding)
        #expect(batch.mask == [1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0])
        #expect(batch.maskedCount == 7)
    }
}
