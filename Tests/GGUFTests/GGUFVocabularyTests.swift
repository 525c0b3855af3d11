import Testing
import GGUF

@Suite("GGUF vocabulary")
struct GGUFVocabularyTests {
    static func writer(types: [Int32]? = [3, 1, 1], bos: UInt32 = 0) -> GGUFTestWriter {
        var w = GGUFTestWriter()
        w.add("tokenizer.ggml.model", .string("gpt2"))
        w.add("tokenizer.ggml.pre", .string("smollm"))
        w.add("tokenizer.ggml.tokens", .array(elementType: .string, [.string("<|s|>"), .string("a"), .string("b")]))
        if let types { w.add("tokenizer.ggml.token_type", .array(elementType: .int32, types.map { .int32($0) })) }
        w.add("tokenizer.ggml.merges", .array(elementType: .string, [.string("a b")]))
        w.add("tokenizer.ggml.bos_token_id", .uint32(bos))
        w.add("tokenizer.ggml.eos_token_id", .uint32(0))
        w.add("tokenizer.ggml.add_bos_token", .bool(false))
        w.add("tokenizer.chat_template", .string("{{ x }}"))
        return w
    }

    @Test func readsEveryField() throws {
        let v = try GGUFVocabulary(file: GGUFFile(bytes: Self.writer().bytes()))
        #expect(
            v
                == GGUFVocabulary(
                    model: "gpt2", pre: "smollm", tokens: ["<|s|>", "a", "b"], tokenTypes: [.control, .normal, .normal],
                    merges: ["a b"], bos: 0, eos: 0, addBOS: false, chatTemplate: "{{ x }}"))
        let untyped = try GGUFVocabulary(file: GGUFFile(bytes: Self.writer(types: nil).bytes()))
        #expect(untyped.tokenTypes == [.normal, .normal, .normal] && untyped.padding == nil && untyped.unknown == nil)
    }

    @Test func badVocabulariesNameTheKey() {
        #expect(throws: GGUFError(file: "v", "metadata tokenizer.ggml.token_type has 2 entries, tokenizer.ggml.tokens has 3")) {
            try GGUFVocabulary(file: GGUFFile(bytes: Self.writer(types: [3, 1]).bytes(), label: "v"))
        }
        #expect(throws: GGUFError(file: "v", "metadata tokenizer.ggml.token_type: token 1 has unknown type 9 (known: 0–6)")) {
            try GGUFVocabulary(file: GGUFFile(bytes: Self.writer(types: [3, 9, 1]).bytes(), label: "v"))
        }
        #expect(throws: GGUFError(file: "v", "metadata tokenizer.ggml.bos_token_id is 7, outside the vocabulary of 3 tokens")) {
            try GGUFVocabulary(file: GGUFFile(bytes: Self.writer(bos: 7).bytes(), label: "v"))
        }
        #expect(throws: GGUFError(file: "v", "metadata tokenizer.ggml.tokens is missing")) {
            try GGUFVocabulary(file: GGUFFile(bytes: GGUFTestWriter().bytes(), label: "v"))
        }
    }
}
