import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore

/// `gscope generate`: greedy continuations of prompts and questions by a trained checkpoint.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue prompts or answer questions greedily with a trained checkpoint.",
        discussion: """
        Each --prompt TEXT becomes [begin] + TEXT; each --question Q becomes [begin] + \
        `Question: Q\\nAnswer: `, the text before the answer in training (gscope train --data, \
        gscope unlearn), so the continuation is the model's answer. Both are repeatable and all \
        are generated together in one batch, the prompts first, then the questions, each in \
        the order given.

        Decoding is greedy (the most likely token at every step, the smallest id on a tie) \
        with a key/value cache: it stops at the tokenizer's end token (not printed), after \
        --max-new-tokens tokens, or when prompt and continuation fill the model's block size. \
        The same checkpoint and inputs give the same output.

        --tokenizer must be the one the model was trained with: the tokenizer.json that \
        `gscope train` copies beside the checkpoint, or `byte`.

        Examples:
          gscope generate --checkpoint runs/qa/checkpoint --tokenizer runs/qa/tokenizer.json \\
            --question "Who is Jaime Vasquez?"
          gscope generate --checkpoint runs/demo/checkpoint --tokenizer byte --prompt "The " \\
            --max-new-tokens 50 --json
        """)

    @Option(help: "Checkpoint directory (model.safetensors and config.json), e.g. OUT/checkpoint of `gscope train`.")
    var checkpoint: String
    @Option(help: "The model's tokenizer: a file from `gscope tokenizer train`, or `byte`.")
    var tokenizer: String
    @Option(help: "A text to continue (repeatable).") var prompt: [String] = []
    @Option(help: "A question, wrapped in the QA template up to `Answer: ` (repeatable).") var question: [String] = []
    @Option(help: "At most this many new tokens per input.") var maxNewTokens: Int = 200
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard !prompt.isEmpty || !question.isEmpty else { throw ValidationError("give at least one --prompt or --question") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
    }

    func run() throws {
        try threadOptions.apply()
        let text = try loadTokenizer(tokenizer)
        let (config, parameters) = try Checkpoint.load(from: checkpoint)
        guard text.vocabSize == config.vocabSize else {
            throw ValidationError("the tokenizer \(tokenizer) has \(text.vocabSize) ids, the model in \(checkpoint) a vocabulary of \(config.vocabSize): use the tokenizer it was trained with")
        }
        let inputs = prompt.map { (kind: "prompt", given: $0, text: $0) }
            + question.map { (kind: "question", given: $0, text: QATemplate.standard.prefix(for: $0)) }
        let ids = inputs.map { [text.special.begin] + text.encode($0.text) }
        for (input, prompt) in zip(inputs, ids) where prompt.count > config.blockSize {
            throw ValidationError("the \(input.kind) \(JSONText.quoted(input.given)) is \(prompt.count) tokens long (with the begin token), more than the model's block size \(config.blockSize)")
        }

        let model = try GPT(config: config, parameters: parameters)
        let start = DispatchTime.now().uptimeNanoseconds
        let results = try GreedyDecoder(model: model, maxNewTokens: maxNewTokens, stopToken: text.special.end).generate(prompts: ids)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        if json {
            let items = zip(zip(inputs, ids), results).map { pair, result in
                JSONText.object([
                    ("kind", JSONText.quoted(pair.0.kind)), ("input", JSONText.quoted(pair.0.given)),
                    ("prompt", JSONText.quoted(pair.0.text)),
                    ("prompt_tokens", "\(pair.1.count)"),
                    ("tokens", JSONText.array(result.tokens.map { "\($0)" })),
                    ("text", JSONText.quoted(text.decode(result.tokens))), ("finish", JSONText.quoted(result.finish.rawValue)),
                ], compact: false)
            }
            print(JSONText.object([
                ("checkpoint", JSONText.quoted(checkpoint)), ("tokenizer", JSONText.quoted(tokenizer)),
                ("max_new_tokens", "\(maxNewTokens)"), ("stop_token", "\(text.special.end)"),
                ("results", JSONText.array(items, separator: ", ")),
            ], compact: false))
            return
        }
        for ((input, prompt), result) in zip(zip(inputs, ids), results) {
            print("── \(input.kind) (\(prompt.count) tokens) ──")
            print(input.text)
            print("── continuation (\(result.tokens.count) tokens, \(Self.describe(result.finish))) ──")
            print(text.decode(result.tokens))
        }
        let generated = results.reduce(0) { $0 + $1.tokens.count }
        print(String(format: "%d tokens in %.3f s (%.0f tokens/s)", generated, seconds, Double(generated) / max(seconds, 1e-9)))
    }

    private static func describe(_ finish: GeneratedSequence.Finish) -> String {
        switch finish {
        case .stopToken: "ended with the end token"
        case .maxNewTokens: "--max-new-tokens reached"
        case .blockSize: "the block size reached"
        }
    }
}
