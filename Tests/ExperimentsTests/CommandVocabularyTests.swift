import Foundation
import Model
import Testing
import TestSupport

/// The command line's one vocabulary (issue 16): `--model PATH` is a model to load everywhere,
/// `--arch`/`--size` a shape built from scratch, and the old spellings (`--checkpoint`, `--from`,
/// `--model NAME`, `--gguf`) keep working for one release with exactly one deprecation line, while
/// an old and a new spelling that disagree are refused with exit 2. Runs the release binary on
/// tiny models for a step or two (`make test` builds it first).
@Suite("Command-line vocabulary")
struct CommandVocabularyTests {
    static let setup = syntheticRunSetup("vocabulary")

    /// The line an old spelling prints on standard error.
    static func deprecation(_ old: String, _ new: String) -> String {
        "gscope: warning: --\(old) is deprecated; use --\(new) (the old spelling goes away in the next release)"
    }

    /// The lines of standard error that are deprecation warnings.
    static func warnings(_ run: GscopeRun) -> [String] {
        run.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("gscope: warning:") }
    }

    /// A successful run whose standard error holds `expected` as its only deprecation line.
    static func expectWorks(_ run: GscopeRun, warning expected: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!run.signalled && run.status == 0, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(warnings(run) == (expected.map { [$0] } ?? []), "\(run.stderr)", sourceLocation: sourceLocation)
    }

    /// A refusal with exit status 2 whose last line of standard error is `gscope: …` and holds `fragment`.
    static func expectRefused(_ run: GscopeRun, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!run.signalled && run.status == 2, "status \(run.status): \(run.stderr)", sourceLocation: sourceLocation)
        let last = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("gscope: ") && last.contains(fragment), "\(run.stderr)", sourceLocation: sourceLocation)
    }

    /// `gscope COMMAND --help` with its line wrapping undone (runs of white space as one space).
    static func help(_ command: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let run = try runGscope(command + ["--help"])
        #expect(run.status == 0, "\(command): \(run.stderr)", sourceLocation: sourceLocation)
        return run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func requireBinary() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return false
        }
        return true
    }

    /// A bigram-corpus training run of two steps on a small batch.
    static func bigramTraining(_ model: [String], out: String) -> [String] {
        ["train", "--corpus", "bigram"] + model + ["--steps", "2", "--batch", "2", "--seq", "16", "--threads", "1", "--out", out]
    }

    /// One timed step of bench on a small batch.
    static func benchStep(_ model: [String]) -> [String] {
        ["bench"] + model + ["--batch", "2", "--seq", "16", "--steps", "1", "--warmup", "0", "--threads", "1", "--json"]
    }

    /// `unlearn` of one step on the synthetic setup, with `model` naming the start.
    static func unlearnStep(_ model: [String], out: String, threads: String = "1") -> [String] {
        ["unlearn"] + model + [
            "--data", setup.data, "--tokenizer", "byte", "--forget-split", "forget10", "--steps", "1",
            "--threads", threads, "--set", "data.max_length=320", "--set", "run.geffect_retain_size=8",
            "--set", "eval.every=0", "--quiet", "--out", out,
        ]
    }

    @Test func theOldModelSpellingsStillLoadTheirModel() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("vocabulary-old")

        let unlearn = try runGscope(Self.unlearnStep(["--checkpoint", Self.setup.checkpoint], out: root + "/unlearn"))
        Self.expectWorks(unlearn, warning: Self.deprecation("checkpoint", "model"))
        #expect(FileManager.default.fileExists(atPath: root + "/unlearn/run.h5"))

        let generate = try runGscope([
            "generate", "--checkpoint", Self.setup.checkpoint, "--tokenizer", "byte",
            "--prompt", "Who", "--max-new-tokens", "2", "--threads", "1", "--json",
        ])
        Self.expectWorks(generate, warning: Self.deprecation("checkpoint", "model"))
        #expect(generate.stdout.contains("\"checkpoint\": \"\(Self.setup.checkpoint)\""), "\(generate.stdout)")

        let train = try runGscope([
            "train", "--data", Self.setup.data, "--split", "forget10", "--tokenizer", "byte",
            "--from", Self.setup.checkpoint, "--steps", "1", "--batch", "2", "--threads", "1",
            "--out", root + "/train",
        ])
        Self.expectWorks(train, warning: Self.deprecation("from", "model"))
        let settings = try String(contentsOfFile: root + "/train/train.json", encoding: .utf8)
        #expect(settings.contains("\"from\": \"\(Self.setup.checkpoint)\""), "\(settings)")

        // --gguf is now --model PATH, which takes a checkpoint directory as well as a .gguf file.
        let bench = try runGscope(Self.benchStep(["--gguf", Self.setup.checkpoint]))
        Self.expectWorks(bench, warning: Self.deprecation("gguf", "model"))
        #expect(bench.stdout.contains("\"weights\": \"checkpoint\""), "\(bench.stdout)")
    }

    @Test func theNewModelSpellingLoadsAndPrintsNoWarning() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("vocabulary-new")
        let unlearn = try runGscope(Self.unlearnStep(["--model", Self.setup.checkpoint], out: root + "/unlearn"))
        Self.expectWorks(unlearn, warning: nil)

        // train --model PATH fine-tunes the model at PATH (a GPT checkpoint with the byte vocabulary).
        let train = try runGscope([
            "train", "--data", Self.setup.data, "--split", "forget10", "--tokenizer", "byte",
            "--model", Self.setup.checkpoint, "--steps", "1", "--batch", "2", "--threads", "1",
            "--out", root + "/train",
        ])
        Self.expectWorks(train, warning: nil)
        let start = try Checkpoint.load(from: Self.setup.checkpoint)
        let tuned = try Checkpoint.load(from: root + "/train/checkpoint")
        #expect(tuned.config == start.config && tuned.parameters != start.parameters)
    }

    @Test func aSizeNameGivenToModelIsTheOldSpellingOfSize() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("vocabulary-size")
        let old = try runGscope(Self.bigramTraining(["--model", "tiny"], out: root + "/old"))
        Self.expectWorks(old, warning: Self.deprecation("model tiny", "size tiny"))
        let new = try runGscope(Self.bigramTraining(["--size", "tiny"], out: root + "/new"))
        Self.expectWorks(new, warning: nil)
        // Both spellings train the same model: the same losses, bit for bit, and the same label.
        let oldLosses = try String(contentsOfFile: root + "/old/losses.tsv", encoding: .utf8)
        let newLosses = try String(contentsOfFile: root + "/new/losses.tsv", encoding: .utf8)
        #expect(oldLosses == newLosses && oldLosses.split(separator: "\n").count == 3)
        for name in ["old", "new"] {
            let settings = try String(contentsOfFile: root + "/\(name)/train.json", encoding: .utf8)
            #expect(settings.contains("\"model\": \"tiny\""), "\(name): \(settings)")
        }

        let bench = try runGscope(Self.benchStep(["--model", "tiny"]))
        Self.expectWorks(bench, warning: Self.deprecation("model tiny", "size tiny"))
        #expect(bench.stdout.contains("\"model\": \"tiny\""), "\(bench.stdout)")
        let llama = try runGscope(Self.benchStep(["--model", "llama-tiny"]))
        Self.expectWorks(llama, warning: Self.deprecation("model llama-tiny", "arch llama --size llama-tiny"))
        #expect(
            llama.stdout.contains("\"model\": \"llama-tiny\"") && llama.stdout.contains("\"weights\": \"random\""),
            "\(llama.stdout)")
    }

    @Test func archLlamaTrainsALlamaFromScratch() throws {
        guard Self.requireBinary() else { return }
        let out = temporaryDirectory("vocabulary-llama") + "/run"
        let run = try runGscope(Self.bigramTraining(["--arch", "llama", "--size", "llama-tiny"], out: out))
        Self.expectWorks(run, warning: nil)
        let model = try Checkpoint.loadModel(from: out + "/checkpoint")
        #expect(model is Llama && model.contextLength == LlamaConfig.tiny.blockSize)
        // A Llama size without --arch llama is a usage error that says what to add.
        let missingArch = try runGscope(Self.bigramTraining(["--size", "llama-tiny"], out: out))
        #expect(missingArch.status == 64 && missingArch.stderr.contains("add --arch llama"), "\(missingArch.stderr)")
    }

    @Test func oldAndNewSpellingsThatDisagreeAreRefused() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("vocabulary-conflict")
        let other = root + "/other-checkpoint"

        let unlearn = try runGscope(
            Self.unlearnStep(["--checkpoint", Self.setup.checkpoint, "--model", other], out: root + "/unlearn"))
        Self.expectRefused(
            unlearn, containing: "--checkpoint: \(Self.setup.checkpoint) differs from --model \(other): give --model only")
        #expect(!FileManager.default.fileExists(atPath: root + "/unlearn"))

        let generate = try runGscope([
            "generate", "--checkpoint", Self.setup.checkpoint, "--model", other, "--tokenizer", "byte",
            "--prompt", "Who",
        ])
        Self.expectRefused(generate, containing: "give --model only")

        let train = try runGscope([
            "train", "--data", Self.setup.data, "--tokenizer", "byte", "--from", Self.setup.checkpoint,
            "--model", other, "--steps", "1", "--out", root + "/train",
        ])
        Self.expectRefused(train, containing: "--from: \(Self.setup.checkpoint) differs from --model \(other)")

        let size = try runGscope(Self.bigramTraining(["--model", "tiny", "--size", "small"], out: root + "/size"))
        Self.expectRefused(size, containing: "--model: tiny (the old spelling of --size) differs from --size small")
        let arch = try runGscope(Self.benchStep(["--model", "smollm2", "--arch", "gpt"]))
        Self.expectRefused(arch, containing: "--model: smollm2 is a llama size, but --arch is gpt")

        let bench = try runGscope(Self.benchStep(["--gguf", Self.setup.checkpoint, "--model", other]))
        Self.expectRefused(bench, containing: "--gguf: \(Self.setup.checkpoint) differs from --model \(other)")

        // The same value under both spellings is no conflict.
        let same = try runGscope([
            "generate", "--checkpoint", Self.setup.checkpoint, "--model", Self.setup.checkpoint,
            "--tokenizer", "byte", "--prompt", "Who", "--max-new-tokens", "1", "--threads", "1",
        ])
        Self.expectWorks(same, warning: Self.deprecation("checkpoint", "model"))
    }

    @Test func unlearnThreadsGoesThroughTheSharedThreadOptions() throws {
        guard Self.requireBinary() else { return }
        let root = temporaryDirectory("vocabulary-threads")
        for count in ["0", "257"] {
            let run = try runGscope(Self.unlearnStep(["--model", Self.setup.checkpoint], out: root + "/run", threads: count))
            Self.expectRefused(run, containing: "--threads: must be between 1 and 256, got \(count)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/run"))
        // Without --threads the config's `threads` is used.
        let config = root + "/threads.yaml"
        try "threads: 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        var arguments = Self.unlearnStep(["--model", Self.setup.checkpoint, "--config", config], out: root + "/config")
        let threads = arguments.firstIndex(of: "--threads")!
        arguments.removeSubrange(threads...(threads + 1))
        let run = try runGscope(arguments)
        Self.expectWorks(run, warning: nil)
        #expect(run.stdout.contains(", 1 threads"), "\(run.stdout)")
    }

    @Test func enumFlagsTakeOnlyTheirValues() throws {
        guard Self.requireBinary() else { return }
        let run = try runGscope([
            "eval", "--model", Self.setup.checkpoint, "--data", Self.setup.data, "--tokenizer", "byte",
            "--forget-split", "forget02", "--out", temporaryDirectory("vocabulary-enum"),
        ])
        #expect(run.status == 64 && run.stderr.contains("forget01") && run.stderr.contains("forget10"), "\(run.stderr)")
        let help = try Self.help(["unlearn"])
        #expect(help.contains("values: forget01, forget05, forget10") && help.contains("values: exact, paper"), "\(help)")
    }

    @Test func oldSpellingsAreHiddenFromHelp() throws {
        guard Self.requireBinary() else { return }
        let hidden: [(command: [String], old: String, new: [String])] = [
            (["unlearn"], "--checkpoint", ["--model"]), (["generate"], "--checkpoint", ["--model"]),
            (["train"], "--from", ["--model", "--arch", "--size"]), (["bench"], "--gguf", ["--model", "--arch", "--size"]),
        ]
        for (command, old, new) in hidden {
            let help = try Self.help(command)
            #expect(!help.contains(old), "\(command): \(help)")
            for option in new { #expect(help.contains(option), "\(command) lacks \(option)") }
        }
        // One help text for --tokenizer, naming all four kinds, and --chat-format beside it.
        for command in [
            ["train"], ["unlearn"], ["eval"], ["generate"], ["score"], ["tokenizer", "encode"], ["data", "inspect"],
        ] {
            let help = try Self.help(command)
            #expect(
                help.contains(
                    "byte (one token per UTF-8 byte, vocabulary 259), a tokenizer JSON written by `gscope tokenizer train`, a Hugging Face tokenizer.json (or a model directory holding one"
                ) && help.contains("--chat-format <auto|chatml|llama3|plain>"),
                "\(command): \(help)")
        }
    }
}
