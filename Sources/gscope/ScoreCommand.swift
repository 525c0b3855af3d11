import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore

/// `gscope score`: the per-token log-probabilities a model gives a text.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids and per-token log-probabilities a model (GGUF or checkpoint) gives a text.",
        discussion: """
            Loads a llama GGUF model (every tensor dequantised to Float32; llama.cpp's rotary row \
            order put back to Hugging Face's) and its tokenizer, encodes --text exactly as the \
            model's own tokenizer does (no special tokens added; write <|im_start|> etc. in the text \
            for them) and prints, for every token after the first, log p(token | the tokens before). \
            The numbers match Hugging Face transformers loading the same file to about 4e-5 \
            (Tests/ModelTests/SmolLM2ParityTests.swift). --model may also be a checkpoint \
            directory (e.g. OUT/checkpoint of `gscope train --model …gguf`), scored with --tokenizer \
            (for a .gguf --model it defaults to that file).

            Examples:
              make model
              gscope score --model models/SmolLM2-135M-Instruct.Q4_1.gguf --text "The capital of France is Paris." --json
              gscope score --model runs/smollm2/target/checkpoint --tokenizer models/SmolLM2-135M-Instruct.Q4_1.gguf --text "…"
            """)

    @OptionGroup var modelToLoad: ModelToLoadOptions
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(help: "The text to score.") var text: String
    @Flag(help: "Print {\"token_ids\": […], \"logprobs\": […]} instead of a table.") var json = false
    @OptionGroup var threads: ThreadOptions

    func validate() throws {
        _ = try modelToLoad.required(for: "the model to score with (make model fetches SmolLM2-135M-Instruct as GGUF)")
    }

    func run() throws {
        try threads.apply()
        let model = try modelToLoad.required(for: "the model to score with")
        guard let source = tokenizerOptions.tokenizer ?? tokenizerBeside(model: model) else {
            throw ValidationError("--model \(model) is a checkpoint directory: give its --tokenizer")
        }
        let tokenizer = try tokenizerOptions.load(source)
        let ids = tokenizer.encode(text)
        guard ids.count >= 2 else { throw ValidationError("--text gives \(ids.count) token(s); at least 2 are needed") }
        let llama = try Checkpoint.loadModel(from: model)
        guard llama.vocabSize == tokenizer.vocabSize else {
            throw ValidationError(
                "the tokenizer \(source) has \(tokenizer.vocabSize) ids, the model \(model) a vocabulary of \(llama.vocabSize)")
        }
        let T = ids.count
        guard T <= llama.contextLength else {
            throw ValidationError("--text gives \(T) tokens, more than the model's context of \(llama.contextLength)")
        }
        try llama.forward(
            tokens: ids, targets: Array(ids.dropFirst()) + [-1], mask: (0..<T).map { $0 < T - 1 ? 1 : 0 },
            batch: 1, seq: T)
        let logprobs = (0..<(T - 1)).map { Double(llama.targetLogProbs[$0]) }
        if json {
            print(
                JSONText.object(
                    [
                        ("token_ids", JSONText.array(ids.map { String($0) }, separator: ", ")),
                        ("logprobs", JSONText.array(logprobs.map(JSONText.number), separator: ", ")),
                    ], compact: true))
        } else {
            print("token  id      log p")
            print("\(tokenizer.decode([ids[0]]).debugDescription)  \(ids[0])  —")
            for t in 1..<T {
                print("\(tokenizer.decode([ids[t]]).debugDescription)  \(ids[t])  \(String(format: "%.4f", logprobs[t - 1]))")
            }
            print(String(format: "total %.4f nats over %d tokens", logprobs.reduce(0, +), T - 1))
        }
    }
}
