import ArgumentParser
import Datasets
import Foundation

/// `gscope tokenizer train`: learn a byte-level BPE tokenizer from a corpus and save it as JSON.
struct TokenizerTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a byte-level BPE tokenizer on a corpus and save it as one JSON file.",
        discussion: """
            --corpus is a plain UTF-8 text file (read whole), a JSON-lines file (.json or .jsonl: \
            the "question" and "answer" string fields of each line; lines with neither are \
            skipped) or a directory (every *.json and *.jsonl file in it, in sorted order, read \
            the same way). A line that is not a JSON object is an error naming the file and line.

            --vocab counts the 256 byte tokens, the learned merges and the 3 special tokens \
            (begin, end, padding, the last three ids), so --vocab 2048 learns 1789 merges; fewer \
            when no pair of tokens occurs twice. Training is deterministic: the same corpus and \
            --vocab give a byte-identical file.

            Example:
              gscope tokenizer train --corpus tofu/full.json --vocab 2048 --out tok.json
            """)

    @Option(help: "Text file, JSON-lines file or directory of them.") var corpus: String
    @Option(help: "Vocabulary size: 256 bytes + merges + 3 special tokens (at least 259).") var vocab: Int = 2048
    @Option(help: "Where to write the tokenizer (JSON).") var out: String

    func validate() throws {
        guard vocab >= 259 else { throw ValidationError("--vocab must be at least 259 (256 bytes + 3 special tokens)") }
    }

    func run() throws {
        let texts = try TextCorpus.load(corpus)
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        print("read \(texts.count) texts (\(bytes) bytes) from \(corpus)")
        let start = Date()
        let tokenizer = BPETrainer.train(texts: texts, vocabSize: vocab) { learned, wanted, count in
            let elapsed = Date().timeIntervalSince(start)
            print(
                String(format: "  %5d/%d merges  %.2f s", learned, wanted, elapsed)
                    + (count > 0 ? "  (latest pair seen \(count) times)" : ""))
        }
        let trainSeconds = Date().timeIntervalSince(start)
        try tokenizer.save(to: out)

        let encodeStart = Date()
        let tokens = texts.reduce(0) { $0 + tokenizer.encode($1).count }
        let encodeSeconds = Date().timeIntervalSince(encodeStart)
        let stopped = tokenizer.merges.count < vocab - 259 ? " (stopped early: no pair occurs twice)" : ""
        print(
            "learned \(tokenizer.merges.count) merges\(stopped) in \(String(format: "%.2f", trainSeconds)) s; vocabulary \(tokenizer.vocabSize) (begin \(tokenizer.special.begin), end \(tokenizer.special.end), padding \(tokenizer.special.padding))"
        )
        print(
            String(
                format: "corpus: %d bytes → %d tokens, %.3f bytes/token; encoded in %.3f s (%.0f tokens/s)",
                bytes, tokens, Double(bytes) / Double(max(tokens, 1)), encodeSeconds, Double(tokens) / max(encodeSeconds, 1e-9)))
        print("wrote \(out)")
    }
}

/// `gscope tokenizer encode`: show the ids and pieces of a text.
struct TokenizerEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode a text with a saved tokenizer and print its ids and pieces.",
        discussion: """
            Pieces are shown as text; a backslash is \\\\, and control characters and bytes that \
            are not complete UTF-8 are \\xNN. The decoded ids always give the text back exactly.
            --tokenizer is byte, a tokenizer JSON from `gscope tokenizer train`, a Hugging Face \
            tokenizer.json or a model directory holding one, or a .gguf model file (its tokenizer). \
            For a pretrained tokenizer the chat format (--chat-format) and the begin, end and \
            padding ids it gives QA samples are printed first.

            Example:
              gscope tokenizer encode --tokenizer tok.json --text "Who is Jaime Vasquez?"
            """)

    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(help: "The text to encode.") var text: String

    func validate() throws {
        _ = try tokenizerOptions.required(for: "the tokenizer to encode with")
    }

    func run() throws {
        let tokenizer = try tokenizerOptions.required(for: "the tokenizer to encode with")
        let t: any TextTokenizer
        let piece: (Int32) -> String
        if tokenizer == "byte" {
            // A BPE tokenizer without merges has the byte tokenizer's ids and shows its pieces.
            _ = try tokenizerOptions.load(tokenizer)
            (t, piece) = (ByteTokenizer(), BPETokenizer(merges: []).piece)
        } else {
            let loaded = try tokenizerOptions.load(tokenizer)
            if let pretrained = loaded as? PretrainedBPETokenizer {
                (t, piece) = (pretrained, pretrained.piece)
                print(
                    "chat format: \(pretrained.chatFormat) (\(pretrained.chatFormatSource)); begin \(pretrained.special.begin), "
                        + "end \(pretrained.special.end), padding \(pretrained.special.padding)")
            } else if let bpe = loaded as? BPETokenizer {
                (t, piece) = (bpe, bpe.piece)
            } else {
                (t, piece) = (loaded, { String($0) })
            }
        }
        let ids = t.encode(text)
        print("\(ids.count) tokens for \(text.utf8.count) bytes")
        print("ids: " + ids.map(String.init).joined(separator: " "))
        print("pieces: " + ids.map { "[" + piece($0) + "]" }.joined(separator: " "))
        if t.decode(ids) != text { print("warning: the ids do not decode to the text") }
    }
}
