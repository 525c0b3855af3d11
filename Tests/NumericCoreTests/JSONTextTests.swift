import NumericCore
import Testing

/// The exact bytes of gscope's one JSON writer: `eval.json`, `summary.json`, `train.json`,
/// safetensors headers and the generated data sets are written through it, and must not change.
@Suite("JSON text")
struct JSONTextTests {
    /// A report-shaped value: shortest round-trip floats, NaN and infinities as `null`, escapes,
    /// nesting and empty containers.
    static let report: JSONText.Value = .object([
        ("loss", .number(0.1)), ("third", .number(1.0 / 3)), ("whole", .number(2)), ("big", .number(1e20)),
        ("nan", .number(.nan)), ("minus_inf", .number(-.infinity)),
        ("name", .string("a\"b\\c\n\t\u{01}é/")),
        ("scores", .array([.number(1), .number(-2.5e-7)])),
        ("items", .array([.object([("score", .null)]), .string("x")])),
        ("empty_object", .object([])), ("empty_array", .array([])),
    ])

    @Test func compactValueText() {
        #expect(
            Self.report.text
                == #"{"loss":0.1,"third":0.3333333333333333,"whole":2.0,"big":1e+20,"nan":null,"minus_inf":null,"name":"a\"b\\c\n\t\u0001é/","scores":[1.0,-2.5e-07],"items":[{"score":null},"x"],"empty_object":{},"empty_array":[]}"#
        )
    }

    /// Two spaces per level; an array of numbers stays on one line (as `eval.json` has it).
    @Test func prettyValueText() {
        #expect(
            Self.report.pretty() == #"""
                {
                  "loss": 0.1,
                  "third": 0.3333333333333333,
                  "whole": 2.0,
                  "big": 1e+20,
                  "nan": null,
                  "minus_inf": null,
                  "name": "a\"b\\c\n\t\u0001é/",
                  "scores": [1.0,-2.5e-07],
                  "items": [
                    {
                      "score": null
                    },
                    "x"
                  ],
                  "empty_object": {},
                  "empty_array": []
                }
                """#)
    }

    @Test func valueReading() {
        #expect(Self.report["third"]?.number == 1.0 / 3)
        #expect(Self.report["items"]?.number == nil)
        #expect(Self.report["missing"] == nil)
        #expect(JSONText.Value.number(.nan) == .null)
    }

    /// The text pieces: numbers as Swift prints them (non-finite ones too), the two escaping styles.
    @Test func textPieces() {
        #expect(JSONText.number(0.1) + " " + JSONText.number(.nan) + " " + JSONText.number(-.infinity) == "0.1 nan -inf")
        let s = "a/é😀\u{7F}\u{08}\u{0C}\""
        #expect(JSONText.quoted(s) == "\"a/é😀\u{7F}\\b\\f\\\"\"")
        #expect(JSONText.quoted(s, style: .asciiEscaped(escapeSlash: true)) == #""a\/\u00e9\ud83d\ude00\u007f\u0008\u000c\"""#)
        #expect(JSONText.quoted(s, style: .asciiEscaped(escapeSlash: false)) == #""a/\u00e9\ud83d\ude00\u007f\u0008\u000c\"""#)
        #expect(
            JSONText.object([("a", JSONText.array(["1", "2"], separator: ", ")), ("b", JSONText.quoted("x"))], compact: false)
                == #"{"a": [1, 2], "b": "x"}"#)
        #expect(JSONText.object([("a", JSONText.array(["1", "2"])), ("b", "null")]) == #"{"a":[1,2],"b":null}"#)
    }
}
