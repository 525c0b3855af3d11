import Datasets
import Testing

@Suite("Tokenizer basics")
struct TokenizerBasicsTests {
    @Test func byteTokenizerRoundTripsAnyString() {
        let t = ByteTokenizer()
        for s in ["", "Question: Who?\nAnswer: Basil.", "naïve café — 東京 🍢", "\u{0}\t\r\n"] {
            #expect(t.decode(t.encode(s)) == s)
        }
        #expect(t.encode("A") == [65])
        #expect(Set([t.special.begin, t.special.end, t.special.padding]).count == 3)
    }

    @Test func dataErrorsNameFileAndLine() {
        #expect(
            DataError(file: "forget01.json", line: 7, "missing field \"answer\"").description
                == "forget01.json:7: missing field \"answer\"")
        #expect(DataError(file: "tofu/", "no full.json").description == "tofu/: no full.json")
    }
}
