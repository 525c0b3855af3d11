import Datasets
import Foundation
import Testing

@Suite("Data errors name the file and line")
struct DataErrorTests {
    /// Writes `bytes` to a new file and returns its path.
    func write(_ bytes: [UInt8], name: String = "split.json", label: String) -> String {
        let path = URL(fileURLWithPath: TestData.temporaryDirectory(label)).appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
    func write(_ text: String, name: String = "split.json", label: String) -> String {
        write(Array(text.utf8), name: name, label: label)
    }

    /// The DataError thrown by `body`, or nil.
    func dataError(_ body: () throws -> Void) -> DataError? {
        do { try body(); return nil } catch let e as DataError { return e } catch { return nil }
    }

    let good = #"{"question": "Q?", "answer": "A."}"#

    @Test func malformedLine() throws {
        let path = write("\(good)\n\(good)\n{\"question\": \"Q?\", \"answer\": \n\(good)\n", label: "malformed")
        let e = try #require(dataError { _ = try JSONLines.read(QASample.self, path: path) })
        #expect(e.file == path && e.line == 3)
        #expect(e.message.hasPrefix("malformed JSON: Unexpected end of file"), "\(e)")
        let notJSON = write("\(good)\nnot json\n", label: "notjson")
        let n = try #require(dataError { _ = try JSONLines.read(QASample.self, path: notJSON) })
        #expect(n.file == notJSON && n.line == 2 && n.message.hasPrefix("malformed JSON: Invalid value"), "\(n)")
        // The column too (issue 15, finding 10c): column 2, since "n" could begin null.
        #expect(n.column == 2 && n.description == "\(notJSON):2:2: malformed JSON: Invalid value", "\(n)")
        let midLine = write("\(good)\n{\"question\": \"Q?\", \"answer\" \"A.\"}\n", label: "colon")
        let m = try #require(dataError { _ = try JSONLines.read(QASample.self, path: midLine) })
        #expect(m.line == 2 && m.column == 29, "\(m)")
        let list = write("[1, 2]\n", label: "list")
        let l = try #require(dataError { _ = try JSONLines.read(QASample.self, path: list) })
        #expect(l.line == 1 && l.message.hasPrefix("not a JSON object"), "\(l)")
    }

    @Test func missingField() throws {
        let path = write("\(good)\n\n{\"question\": \"Q?\"}\n", label: "missing")
        let e = try #require(dataError { _ = try JSONLines.read(QASample.self, path: path) })
        #expect(e.file == path && e.line == 3, "blank lines still count")
        #expect(e.message == #"missing field "answer""#)
    }

    @Test func mistypedField() throws {
        let path = write("\(good)\n{\"question\": \"Q?\", \"answer\": 7}", label: "mistyped")
        let e = try #require(dataError { _ = try JSONLines.read(QASample.self, path: path) })
        #expect(e.file == path && e.line == 2)
        #expect(e.message == #"field "answer" has the wrong type: expected a string"#)
        let nested = write(#"{"question": "Q?", "answer": "A.", "perturbed_answer": ["x", 3]}"#, label: "nested")
        let n = try #require(dataError { _ = try JSONLines.read(QASample.self, path: nested) })
        #expect(n.line == 1 && n.message.contains(#"field "perturbed_answer[1]" has the wrong type"#), "\(n)")
    }

    @Test func missingPerturbedFieldInAPerturbedSplit() throws {
        let dir = TestData.temporaryDirectory("perturbed")
        let path = URL(fileURLWithPath: dir).appendingPathComponent("forget01_perturbed.json").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(good.utf8))
        let e = try #require(dataError { _ = try TOFUDirectory(path: dir).load(.forget01Perturbed) })
        #expect(e.file == path && e.line == 1)
        #expect(
            e.message.hasPrefix("missing field \"paraphrased_answer\"")
                || e.message.hasPrefix("missing field \"perturbed_answer\""), "\(e)")
    }

    @Test func invalidUTF8() throws {
        // Line 2: "Caf" then 0xC3 0x28 (a lead byte followed by a non-continuation byte).
        let line2: [UInt8] = Array(#"{"question": "Caf"#.utf8) + [0xC3, 0x28] + Array(#"", "answer": "A."}"#.utf8)
        let path = write(Array("\(good)\n".utf8) + line2 + [0x0A], label: "utf8")
        let e = try #require(dataError { _ = try JSONLines.read(QASample.self, path: path) })
        #expect(e.file == path && e.line == 2)
        #expect(e.message.contains("invalid UTF-8 at byte offset 17"), "\(e)")
        #expect(JSONLines.firstInvalidUTF8(in: Array("naïve 東京 🍢".utf8)) == nil)
        #expect(JSONLines.firstInvalidUTF8(in: [0x41, 0xED, 0xA0, 0x80]) == 1, "surrogates are ill-formed")
        #expect(JSONLines.firstInvalidUTF8(in: [0xC0, 0x80]) == 0, "overlong forms are ill-formed")
        #expect(JSONLines.firstInvalidUTF8(in: [0x41, 0xE2, 0x82]) == 1, "cut sequence")
    }

    @Test func emptyFile() throws {
        for contents in ["", "\n  \n"] {
            let path = write(contents, label: "empty")
            let e = try #require(dataError { _ = try JSONLines.read(QASample.self, path: path) })
            #expect(e.file == path && e.line == nil)
            #expect(e.message.contains("the file is empty"))
            #expect(try JSONLines.read(QASample.self, path: path, allowEmpty: true).isEmpty)
        }
        let refusals = write("", name: "idontknow.jsonl", label: "emptyrefusals")
        let dir = URL(fileURLWithPath: refusals).deletingLastPathComponent().path
        let e = try #require(dataError { _ = try TOFUDirectory(path: dir).refusals() })
        #expect(e.file == refusals && e.line == nil && e.message.contains("the file is empty"))
    }

    @Test func missingSplitFileAndDirectory() throws {
        let dir = TestData.temporaryDirectory("nosplit")
        let tofu = try TOFUDirectory(path: dir)
        let e = try #require(dataError { _ = try tofu.load(.forget05) })
        #expect(e.file == dir && e.line == nil)
        #expect(e.message.contains("missing forget05.json"), "\(e)")
        // A pair whose forget file is there but whose retain file is not names the retain file.
        _ = FileManager.default.createFile(atPath: tofu.filePath("forget10.json"), contents: Data(good.utf8))
        let r = try #require(dataError { _ = try tofu.loadPair(.forget10) })
        #expect(r.file == dir && r.message.contains("missing retain90.json"), "\(r)")
        let gone = dir + "/does-not-exist"
        let d = try #require(dataError { _ = try TOFUDirectory(path: gone) })
        #expect(d.file == gone && d.message.contains("no such directory"))
    }

    @Test func crlfAndByteOrderMarkAreAccepted() throws {
        let path = write([0xEF, 0xBB, 0xBF] + Array("\(good)\r\n\(good)\r\n".utf8), label: "crlf")
        let values = try JSONLines.readNumbered(QASample.self, path: path)
        #expect(values.map(\.line) == [1, 2] && values.allSatisfy { $0.value.answer == "A." })
    }
}
