import ArgumentParser
import Foundation
import Model
import NumericCore

/// `--arch NAME`: a registered architecture (`ArchitectureRegistry`).
struct ArchitectureName: ExpressibleByArgument, Equatable {
    let name: String
    init?(argument: String) {
        guard ArchitectureRegistry.named(argument) != nil else { return nil }
        name = argument
    }
    static var allValueStrings: [String] { ArchitectureRegistry.all.map { $0.name } }
    static let gpt = ArchitectureName(argument: GPTArchitecture.name)!
    /// The registration.
    var architecture: any RegisteredArchitecture.Type { ArchitectureRegistry.named(name)! }
}

/// `--arch NAME` with `--size NAME` and per-dimension overrides: the shape of a model built from
/// scratch (train without `--model`, bench's random-weight timings). The architectures and their
/// sizes come from `ArchitectureRegistry`.
struct ModelShapeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Architecture of a model built from scratch (default: gpt).", valueName: "name"))
    var arch: ArchitectureName?
    @Option(help: ArgumentHelp(Self.sizeHelp, valueName: "name"))
    var size: String?
    @Option(name: .customLong("n-layer"), help: "Override the number of transformer blocks (gpt).")
    var nLayer: Int?
    @Option(name: .customLong("n-head"), help: "Override the number of attention heads (gpt).")
    var nHead: Int?
    @Option(name: .customLong("n-embd"), help: "Override the width (gpt).")
    var nEmbd: Int?
    @Option(name: .customLong("vocab"), help: "Override the vocabulary size.")
    var vocab: Int?
    @Option(name: .customLong("block-size"), help: "Override the maximum sequence length.")
    var blockSize: Int?

    /// `--size`'s help: every registered architecture's sizes, the default marked.
    static var sizeHelp: String {
        "Size of a model built from scratch. "
            + ArchitectureRegistry.all.map { architecture in
                "\(architecture.name): "
                    + architecture.sizes.enumerated().map { index, size in
                        "\(size.name) (\(size.summary)\(index == 0 ? "; the default" : ""))"
                    }.joined(separator: ", ")
            }.joined(separator: ". ") + "."
    }

    /// `--arch`, or gpt.
    var architecture: ArchitectureName { arch ?? .gpt }

    /// The options given that set a shape, as they are spelled (for "leave out …" messages).
    var given: [String] {
        [
            ("--arch", arch != nil), ("--size", size != nil), ("--n-layer", nLayer != nil), ("--n-head", nHead != nil),
            ("--n-embd", nEmbd != nil), ("--vocab", vocab != nil), ("--block-size", blockSize != nil),
        ]
        .filter(\.1).map(\.0)
    }

    /// The size built: `--size`, or `gptDefault` for a GPT (tiny unless the data asks for another)
    /// and the architecture's default size for another.
    func sizeName(gptDefault: String = "tiny") -> String {
        size ?? (architecture == .gpt ? gptDefault : architecture.architecture.defaultSize.name)
    }

    /// Train's and bench's `--model VALUE` read with these options: a size name (tiny, small,
    /// medium, markov, llama-tiny, smollm2, smollm2-135m) is the old spelling of `--size` (with
    /// `--arch llama` for a Llama's) and prints the deprecation line; anything else is a model to
    /// load. Returns the path to load (nil for a size name or no `--model`) and the shape options
    /// with the old spelling folded in. A size name that disagrees with `--size` or `--arch` is an
    /// ``OptionError`` (exit 2).
    func readingDeprecatedSize(in model: String?) throws -> (path: String?, shape: ModelShapeOptions) {
        guard let name = model else { return (nil, self) }
        guard let named = ArchitectureRegistry.size(named: name)?.architecture.name else { return (name, self) }
        DeprecatedSpelling.warn("model \(name)", use: (named == GPTArchitecture.name ? "" : "arch \(named) --") + "size \(name)")
        if let size, size != name {
            throw OptionError(
                option: "--model", "\(name) (the old spelling of --size) differs from --size \(size): give --size only")
        }
        if let arch, arch.name != named {
            throw OptionError(option: "--model", "\(name) is a \(named) size, but --arch is \(arch.name)")
        }
        var shape = self
        shape.size = name
        shape.arch = ArchitectureName(argument: named)
        return (nil, shape)
    }

    /// The shape to build: the named size (`--size`, or `gptDefault` for a GPT and the
    /// architecture's default for another) with the overrides, validated and checked against the
    /// machine's memory.
    func shape(gptDefault: String = "tiny") throws -> any ModelShape {
        let architecture = self.architecture.architecture
        let name = sizeName(gptDefault: gptDefault)
        guard var shape = architecture.size(named: name)?.shape else {
            if let other = ArchitectureRegistry.size(named: name)?.architecture.name {
                throw ValidationError(
                    "--size \(name) is a \(other) size: "
                        + (other == GPTArchitecture.name ? "leave out --arch \(architecture.name)" : "add --arch \(other)")
                        + (arch == nil ? " (--arch is gpt by default)" : ""))
            }
            throw ValidationError(
                "unknown \(architecture.name) size '\(name)'; choose one of \(architecture.sizes.map(\.name).joined(separator: ", "))"
            )
        }
        do {
            shape = try shape.overriding(layers: nLayer, heads: nHead, width: nEmbd)
        } catch {
            throw ValidationError("--n-layer, --n-head and --n-embd apply to gpt sizes, not to \(architecture.name) sizes")
        }
        if let v = vocab { shape.vocabSize = v }
        if let v = blockSize { shape.blockSize = v }
        do { try shape.validate() } catch { throw ValidationError(error.description) }
        let overrides = [
            ("--n-layer", nLayer), ("--n-head", nHead), ("--n-embd", nEmbd), ("--vocab", vocab), ("--block-size", blockSize),
        ]
        .compactMap { option, value in value.map { "\(option) \($0)" } }
        try Self.checkFitsInMemory(shape.checkedParameterCount, sizes: (["--size \(name)"] + overrides).joined(separator: ", "))
        return shape
    }

    /// The GPT configuration (`--size`, or `defaultSize` when not given) with the overrides; a
    /// usage error for another architecture, which the GPT-only measurements and data do not take.
    func gptConfig(defaultSize: String = "tiny") throws -> GPTConfig {
        guard architecture == .gpt else {
            throw ValidationError("this measures GPT models only: leave out --arch \(architecture.name)")
        }
        guard let config = try shape(gptDefault: defaultSize) as? GPTConfig else {
            preconditionFailure("gpt sizes are GPTConfigs")
        }
        return config
    }

    /// Refuses sizes whose training state (parameters, gradients and Adam's two moments, as
    /// Float) exceeds the machine's memory, before the layout or any buffer is built: `--n-layer
    /// 1000000000` would otherwise spend minutes building a layout and then fail to allocate.
    static func checkFitsInMemory(_ parameters: CheckedCount, sizes: String) throws {
        let bytes = parameters * 16
        let memory = ProcessInfo.processInfo.physicalMemory
        guard let needed = bytes.value, UInt64(needed) <= memory else {
            let count = parameters.value.map { "\($0) parameters" } ?? "more parameters than an Int counts"
            throw ValidationError("\(sizes) make \(count), more than this machine's \(memory >> 20) MiB of memory can train")
        }
    }
}
