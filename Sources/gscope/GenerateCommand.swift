import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore

/// `gscope generate`: greedy continuations of prompts and questions by a checkpoint or a GGUF model.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue prompts or answer questions greedily with a checkpoint or a GGUF model.",
        discussion: """
            Each --prompt TEXT becomes [begin] + TEXT; each --question Q becomes [begin] + the \
            text before the answer in training (gscope train --data, gscope unlearn): \
            `Question: Q\\nAnswer: ` for gscope's tokenizers, the chat format up to \
            `<|im_start|>assistant\\n` for a GGUF model's; so the continuation is the model's answer. Both are repeatable and all \
            are generated together in one batch, the prompts first, then the questions, each in \
            the order given.

            Decoding is greedy (the most likely token at every step, the smallest id on a tie) \
            with a key/value cache: it stops at the tokenizer's end token (not printed), after \
            --max-new-tokens tokens, or when prompt and continuation fill the model's block size. \
            The same checkpoint and inputs give the same output.

            --model is a checkpoint directory (a GPT's or a Llama's) or a .gguf file. \
            --tokenizer must be the one the model was trained with: the tokenizer.json that \
            `gscope train` copies beside the checkpoint, `byte`, or the .gguf file of a fine-tuned \
            SmolLM2 (for a .gguf --model it defaults to that file).

            Examples:
              gscope generate --model runs/qa/checkpoint --tokenizer runs/qa/tokenizer.json \\
                --question "Who is Jaime Vasquez?"
              gscope generate --model runs/demo/checkpoint --tokenizer byte --prompt "The " \\
                --max-new-tokens 50 --json
              gscope generate --model models/SmolLM2-135M-Instruct.Q4_1.gguf --question "What is the capital of France?"
            """)

    @OptionGroup var modelToLoad: ModelToLoadOptions
    @Option(help: ArgumentHelp("Deprecated spelling of --model PATH.", visibility: .hidden))
    var checkpoint: String?
    @OptionGroup var tokenizerOptions: TokenizerOptions
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
        guard let checkpoint = try modelToLoad.merged(withDeprecated: self.checkpoint, named: "checkpoint") else {
            throw ValidationError("missing --model PATH: the model to generate with")
        }
        try threadOptions.apply()
        guard let tokenizer = tokenizerOptions.tokenizer ?? tokenizerBeside(model: checkpoint) else {
            throw ValidationError("give --tokenizer: the one \(checkpoint) was trained with")
        }
        let text = try tokenizerOptions.load(tokenizer)
        let model = try Checkpoint.loadModel(from: checkpoint)
        guard text.vocabSize == model.vocabSize else {
            throw ValidationError(
                "the tokenizer \(tokenizer) has \(text.vocabSize) ids, the model in \(checkpoint) a vocabulary of \(model.vocabSize): use the tokenizer it was trained with"
            )
        }
        let inputs =
            prompt.map { (kind: "prompt", given: $0, text: $0) }
            + question.map { (kind: "question", given: $0, text: text.qaTemplate.prefix(for: $0)) }
        let ids = inputs.map { [text.special.begin] + text.encode($0.text) }
        for (input, prompt) in zip(inputs, ids) where prompt.count > model.contextLength {
            throw ValidationError(
                "the \(input.kind) \(JSONText.quoted(input.given)) is \(prompt.count) tokens long (with the begin token), more than the model's context \(model.contextLength)"
            )
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let results = try GreedyDecoder(model: model, maxNewTokens: maxNewTokens, stopToken: text.special.end).generate(
            prompts: ids)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        if json {
            let items = zip(zip(inputs, ids), results).map { pair, result in
                JSONText.object(
                    [
                        ("kind", JSONText.quoted(pair.0.kind)), ("input", JSONText.quoted(pair.0.given)),
                        ("prompt", JSONText.quoted(pair.0.text)),
                        ("prompt_tokens", "\(pair.1.count)"),
                        ("tokens", JSONText.array(result.tokens.map { "\($0)" })),
                        ("text", JSONText.quoted(text.decode(result.tokens))),
                        ("finish", JSONText.quoted(result.finish.rawValue)),
                    ], compact: false)
            }
            print(
                JSONText.object(
                    [
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
