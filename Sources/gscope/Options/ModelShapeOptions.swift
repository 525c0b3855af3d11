import ArgumentParser
import Foundation
import Model
import NumericCore

/// The architectures a model built from scratch can have (`--arch`).
enum ModelArchitecture: String, ExpressibleByArgument, CaseIterable {
    case gpt, llama
}

/// `--arch gpt|llama` with `--size NAME` and per-dimension overrides: the shape of a model built
/// from scratch (train without `--model`, bench's random-weight timings).
struct ModelShapeOptions: ParsableArguments {
    @Option(help: "Architecture of a model built from scratch (default: gpt).")
    var arch: ModelArchitecture?
    @Option(
        help: ArgumentHelp(
            "Size of a model built from scratch. gpt: tiny (4×128, vocab 512; the default), small (6×256, vocab 2048), medium (8×384, vocab 4096), markov (4×128, vocab 10, block 32). llama: llama-tiny (2×32, vocab 40, block 16; the default), smollm2 or smollm2-135m (SmolLM2-135M's shape: 30×576, vocab 49152).",
            valueName: "name"))
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

    /// The GPT sizes `--size` names (`GPTConfig.named`).
    static let gptSizes = GPTConfig.named
    /// The Llama sizes `--size` names with `--arch llama`: `LlamaConfig.named`, and smollm2 for
    /// smollm2-135m.
    static let llamaSizes: [String: LlamaConfig] = LlamaConfig.named.merging(["smollm2": .smollm2_135m]) { a, _ in a }
    /// The Llama size built when `--arch llama` comes without `--size`.
    static let defaultLlamaSize = "llama-tiny"

    /// `--arch`, or gpt.
    var architecture: ModelArchitecture { arch ?? .gpt }

    /// The options given that set a shape, as they are spelled (for "leave out …" messages).
    var given: [String] {
        [
            ("--arch", arch != nil), ("--size", size != nil), ("--n-layer", nLayer != nil), ("--n-head", nHead != nil),
            ("--n-embd", nEmbd != nil), ("--vocab", vocab != nil), ("--block-size", blockSize != nil),
        ]
        .filter(\.1).map(\.0)
    }

    /// The size built: `--size`, or `gptDefault` for a GPT (tiny unless the data asks for another)
    /// and llama-tiny for a Llama.
    func sizeName(gptDefault: String = "tiny") -> String {
        size ?? (architecture == .gpt ? gptDefault : Self.defaultLlamaSize)
    }

    /// Train's and bench's `--model VALUE` read with these options: a size name (tiny, small,
    /// medium, markov, llama-tiny, smollm2, smollm2-135m) is the old spelling of `--size` (with
    /// `--arch llama` for a Llama's) and prints the deprecation line; anything else is a model to
    /// load. Returns the path to load (nil for a size name or no `--model`) and the shape options
    /// with the old spelling folded in. A size name that disagrees with `--size` or `--arch` is an
    /// ``OptionError`` (exit 2).
    func readingDeprecatedSize(in model: String?) throws -> (path: String?, shape: ModelShapeOptions) {
        guard let name = model else { return (nil, self) }
        let named: ModelArchitecture
        if Self.gptSizes[name] != nil {
            named = .gpt
        } else if Self.llamaSizes[name] != nil {
            named = .llama
        } else {
            return (name, self)
        }
        DeprecatedSpelling.warn("model \(name)", use: (named == .llama ? "arch llama --" : "") + "size \(name)")
        if let size, size != name {
            throw OptionError(
                option: "--model", "\(name) (the old spelling of --size) differs from --size \(size): give --size only")
        }
        if let arch, arch != named {
            throw OptionError(option: "--model", "\(name) is a \(named.rawValue) size, but --arch is \(arch.rawValue)")
        }
        var shape = self
        shape.size = name
        shape.arch = named
        return (nil, shape)
    }

    /// The shape to build: the named size with the overrides, validated and checked against the
    /// machine's memory. A Llama takes `--vocab` and `--block-size` only.
    func shape(gptDefault: String = "tiny") throws -> FreshModelShape {
        switch architecture {
        case .gpt: return .gpt(try gptConfig(defaultSize: gptDefault))
        case .llama: return .llama(try llamaConfig())
        }
    }

    /// The GPT configuration (`--size`, or `defaultSize` when not given) with the overrides; a
    /// usage error for `--arch llama`, which the GPT-only measurements and data do not take.
    func gptConfig(defaultSize: String = "tiny") throws -> GPTConfig {
        guard architecture == .gpt else { throw ValidationError("this measures GPT models only: leave out --arch llama") }
        let name = size ?? defaultSize
        guard var c = Self.gptSizes[name] else {
            if Self.llamaSizes[name] != nil {
                throw ValidationError("--size \(name) is a Llama size: add --arch llama (--arch is gpt by default)")
            }
            throw ValidationError(
                "unknown gpt size '\(name)'; choose one of \(Self.gptSizes.keys.sorted().joined(separator: ", "))")
        }
        if let v = nLayer { c.nLayer = v }
        if let v = nHead { c.nHead = v }
        if let v = nEmbd { c.nEmbd = v }
        if let v = vocab { c.vocabSize = v }
        if let v = blockSize { c.blockSize = v }
        do { try c.validate() } catch { throw ValidationError(error.description) }
        try Self.checkFitsInMemory(
            c.checkedParameterCount,
            sizes: "--n-layer \(c.nLayer), --n-embd \(c.nEmbd), --vocab \(c.vocabSize), --block-size \(c.blockSize)")
        return c
    }

    /// The Llama configuration of `--size` (default llama-tiny) with `--vocab` and `--block-size`.
    private func llamaConfig() throws -> LlamaConfig {
        let name = sizeName()
        guard var c = Self.llamaSizes[name] else {
            if Self.gptSizes[name] != nil { throw ValidationError("--size \(name) is a GPT size: leave out --arch llama") }
            throw ValidationError(
                "unknown llama size '\(name)'; choose one of \(Self.llamaSizes.keys.sorted().joined(separator: ", "))")
        }
        guard nLayer == nil, nHead == nil, nEmbd == nil else {
            throw ValidationError("--n-layer, --n-head and --n-embd apply to GPT sizes, not to a Llama")
        }
        if let v = vocab { c.vocabSize = v }
        if let v = blockSize { c.blockSize = v }
        do { try c.validate() } catch { throw ValidationError(error.description) }
        try Self.checkFitsInMemory(c.checkedParameterCount, sizes: "--size \(name), --vocab \(c.vocabSize)")
        return c
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

/// A model to build from scratch: a GPT or a Llama configuration.
enum FreshModelShape {
    case gpt(GPTConfig)
    case llama(LlamaConfig)

    /// The vocabulary size; set from the data (a tokenizer, the Markov states) before building.
    var vocabSize: Int {
        get {
            switch self {
            case .gpt(let c): c.vocabSize
            case .llama(let c): c.vocabSize
            }
        }
        set {
            switch self {
            case .gpt(var c): c.vocabSize = newValue; self = .gpt(c)
            case .llama(var c): c.vocabSize = newValue; self = .llama(c)
            }
        }
    }

    /// The model, initialised from `rng`: GPT-2's initialisation for a GPT, `initializeLlama` for
    /// a Llama.
    func build(rng: inout RNG) throws -> any CausalLanguageModel {
        switch self {
        case .gpt(let config):
            let model = try GPT(config: config)
            model.initializeGPT2(rng: &rng)
            return model
        case .llama(let config):
            let model = try Llama(config: config)
            model.initializeLlama(rng: &rng)
            return model
        }
    }
}
