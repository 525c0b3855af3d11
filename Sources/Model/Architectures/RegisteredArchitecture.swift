import NumericCore

/// An architecture gscope computes, registered in ``ArchitectureRegistry/all``: its name on the
/// command line (`--arch`), the `model_type`s of a Hugging Face `config.json` it reads, the named
/// shapes it builds from scratch (`--size`), and its loaders.
///
/// Each architecture lives in its own folder under `Sources/Model/Architectures/` with its
/// configuration, parameter layout, passes (forward, backward, forward mode, incremental
/// decoding), checkpoint format and this registration; nothing outside the folder switches on it.
package protocol RegisteredArchitecture {
    /// `--arch NAME`, and how messages name the architecture.
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The values of `model_type` (Hugging Face) or `architecture` (gscope's older GPT
    /// checkpoints) in a `config.json` that this architecture loads.
    static var configTypes: [String] { get }
    /// The values of a GGUF file's `general.architecture` this architecture loads (none by default).
    static var ggufArchitectures: [String] { get }
    /// The shapes `--size` names, the default (built when `--size` is absent) first.
    static var sizes: [NamedShape] { get }

    /// The model in the checkpoint directory `directory`, whose `config.json` names one of
    /// ``configTypes``.
    static func loadCheckpoint(from directory: String) throws(ModelError) -> any CausalLanguageModel
    /// The model in the GGUF file at `path` (one of ``ggufArchitectures``), every parameter
    /// dequantised; `contextLength` caps the context.
    static func loadGGUF(from path: String, contextLength: Int?) throws(ModelError) -> any CausalLanguageModel
}

extension RegisteredArchitecture {
    package static var ggufArchitectures: [String] { [] }

    package static func loadGGUF(from path: String, contextLength: Int?) throws(ModelError) -> any CausalLanguageModel {
        throw .checkpoint("\(path): gscope reads no GGUF file of architecture \(name)")
    }

    /// The shape built when `--size` is absent.
    package static var defaultSize: NamedShape { sizes[0] }

    /// The shape `--size name` builds, if this architecture has one of that name.
    package static func size(named name: String) -> NamedShape? { sizes.first { $0.name == name } }
}

/// A shape `--size` names: a configuration of one architecture.
package struct NamedShape: Sendable {
    package let name: String
    /// Its sizes in a few words, for `--help` ("4×128, vocab 512").
    package let summary: String
    package let shape: any ModelShape

    package init(_ name: String, _ summary: String, _ shape: any ModelShape) {
        self.name = name
        self.summary = summary
        self.shape = shape
    }
}

/// The configuration of a model built from scratch (training from random weights, the
/// benchmarks): a registered architecture's configuration type conforms.
package protocol ModelShape: Sendable {
    /// V; a run sets it from its tokenizer before building.
    var vocabSize: Int { get set }
    /// The context length.
    var blockSize: Int { get set }
    /// The number of parameters, overflow-checked (nil when it does not fit in an `Int`).
    var checkedParameterCount: CheckedCount { get }
    /// Checks the invariants the architecture's passes rely on.
    func validate() throws(ModelError)
    /// The tensor table of a model of this shape.
    func parameterLayout() -> ParameterLayout
    /// The shape with `layers` blocks, `heads` attention heads and width `width` (nil: as they
    /// are); an architecture that does not take an override throws naming it.
    func overriding(layers: Int?, heads: Int?, width: Int?) throws(ModelError) -> Self
    /// A model of this shape with the architecture's reference initialisation, drawing from `rng`.
    func initializedModel(rng: inout RNG) throws(ModelError) -> any CausalLanguageModel
}

extension ModelShape {
    /// Refuses every override: the sizes are the named shape's, but for the vocabulary and the
    /// context.
    package func overriding(layers: Int?, heads: Int?, width: Int?) throws(ModelError) -> Self {
        guard layers == nil, heads == nil, width == nil else {
            throw .invalidConfig("the number of layers, heads and the width are fixed by the named size of this architecture")
        }
        return self
    }
}
