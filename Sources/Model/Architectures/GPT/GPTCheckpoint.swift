import Foundation

/// GPT checkpoints in Hugging Face's GPT-2 layout, so that `GPT2LMHeadModel.from_pretrained(directory)`
/// loads what gscope saves and gscope loads what transformers saves:
///
/// - `config.json` is a transformers `GPT2Config` (`model_type` "gpt2", `n_positions`, `n_embd`,
///   `n_layer`, `n_head`, `vocab_size`, `layer_norm_epsilon`, `activation_function` "gelu_new",
///   `n_inner` null, tied head, dropouts 0 since gscope has none), pretty-printed with sorted keys;
/// - the tensors carry transformers' names (`transformer.h.0.attn.c_attn.weight`, no
///   `lm_head.weight`: the head is tied), and the four `Conv1D` matrices of each block are stored
///   `(in, out)`, the transpose of gscope's `(out, in)` layout (`TensorStorage`): a save and a load
///   move floats only, so the numbers are the same bits.
///
/// Reading accepts names with or without the `transformer.` prefix, F32/F16/BF16/F64, one file or
/// shards, skips the `attn.bias`/`attn.masked_bias` causal-mask buffers older GPT-2 files hold
/// (transformers' `_keys_to_ignore_on_load_unexpected`), takes `lm_head.weight` only as an exact
/// copy of `wte.weight`, and refuses any setting of `GPT2Config` gscope's GPT does not compute.
///
/// gscope's older GPT checkpoints (`{"architecture": "gpt", "block_size": …}` with gscope's
/// names and `(out, in)` matrices; `notebooks-scripts/parity/gpt_torch.py` writes them) still load.
extension Checkpoint {
    /// The `architecture` of gscope's older GPT `config.json`.
    package static let architecture = "gpt"
    /// The `model_type` of a transformers GPT-2 `config.json`.
    package static let gpt2ModelType = "gpt2"
    package static let metadata = ["format": "pt", "gscope": "gpt"]

    /// Writes a GPT's `parameters` (the flat buffer in layout order) and `config` to `directory`
    /// in Hugging Face's GPT-2 layout (see `save(configJSON:…)`: atomic per file).
    package static func save(
        config: GPTConfig, parameters: UnsafeBufferPointer<Float>,
        to directory: String
    ) throws(ModelError) {
        try config.validate()
        try save(
            configJSON: configJSON(config), layout: config.parameterLayout(), parameters: parameters,
            metadata: metadata, describing: configDescription(config), to: directory, storage: gpt2Storage)
    }

    /// `save` for a parameter array.
    package static func save(config: GPTConfig, parameters: [Float], to directory: String) throws(ModelError) {
        // A typed-throws closure cannot pass through `withUnsafeBufferPointer`, so capture the result.
        var failure: ModelError?
        parameters.withUnsafeBufferPointer { buffer in
            do throws(ModelError) {
                try save(config: config, parameters: buffer, to: directory)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Reads the GPT checkpoint in `directory` (Hugging Face GPT-2 or gscope's older layout): its
    /// configuration and the flat parameter buffer in layout order. The sizes of `config.json` are
    /// checked against the weights before anything the size of the model is built (`ClaimedSizes`).
    package static func load(from directory: String) throws(ModelError) -> (config: GPTConfig, parameters: [Float]) {
        let path = join(directory, configFile)
        let (config, format) = try decodeGPTConfig(from: directory)
        let weights = try readWeights(
            of: directory, claiming: config.claimedSizes(file: path, contextKey: format.contextKey)
        ) { () throws(ModelError) in
            try validate(config, path: path)
        }
        let layout = config.parameterLayout()
        let parameters = try loadParameters(
            layout: layout, from: weights, describing: configDescription(config), storage: format.storage)
        if format == .huggingFace { try checkTiedHead(weights, layout: layout, parameters: parameters) }
        return (config, parameters)
    }

    /// Reads and validates the GPT `config.json` of the checkpoint in `directory`.
    package static func readConfig(from directory: String) throws(ModelError) -> GPTConfig {
        let config = try decodeGPTConfig(from: directory).config
        try validate(config, path: join(directory, configFile))
        return config
    }

    /// The two layouts a GPT checkpoint may have.
    enum GPTCheckpointFormat {
        /// transformers' GPT-2 (`model_type` "gpt2").
        case huggingFace
        /// gscope's older files (`architecture` "gpt").
        case gscope

        var storage: TensorStorage { self == .huggingFace ? gpt2Storage : .asLaidOut }
        var contextKey: String { self == .huggingFace ? "n_positions" : "block_size" }
    }

    /// The names and orientation of GPT-2's tensors in transformers' files: `transformer.` before
    /// every layout name (read with or without it), the `Conv1D` weights (`c_attn`, `c_proj`,
    /// `c_fc`) stored `(in, out)`, the causal-mask buffers and the tied `lm_head.weight` skipped
    /// (the latter compared by `checkTiedHead`).
    package static let gpt2Storage = TensorStorage.prefixed(
        "transformer.",
        isTransposed: { name in gpt2Conv1DWeights.contains { name.hasSuffix("." + $0) } },
        isIgnored: { name in name == "lm_head.weight" || isGPT2MaskBuffer(name) })

    /// The weights of GPT-2's `Conv1D` layers, stored `(in, out)`.
    static let gpt2Conv1DWeights = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"]

    /// Whether `name` is a block's `attn.bias` or `attn.masked_bias`: constant causal-mask buffers,
    /// not parameters, that transformers' GPT-2 files up to version 4 hold and that transformers
    /// skips on load (`GPT2PreTrainedModel._keys_to_ignore_on_load_unexpected`).
    static func isGPT2MaskBuffer(_ name: String) -> Bool {
        let parts = (name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name)
            .split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "h" && !parts[1].isEmpty && parts[1].allSatisfy(\.isASCII)
            && parts[1].allSatisfy(\.isNumber) && parts[2] == "attn" && (parts[3] == "bias" || parts[3] == "masked_bias")
    }

    /// A stored `lm_head.weight` must be `wte.weight` exactly: gscope's GPT, like `GPT2LMHeadModel`,
    /// ties the head to the token embedding.
    private static func checkTiedHead(
        _ weights: CheckpointWeights, layout: ParameterLayout, parameters: [Float]
    ) throws(ModelError) {
        guard weights.contains("lm_head.weight"), let wte = layout["wte.weight"] else { return }
        let file = try weights.file(of: "lm_head.weight").path
        let head = try weights.floats("lm_head.weight")
        guard try weights.shape("lm_head.weight") == wte.shape,
            head.elementsEqual(parameters[wte.range], by: { $0.bitPattern == $1.bitPattern })
        else {
            throw .checkpoint(
                "\(file): lm_head.weight differs from wte.weight; gscope's GPT ties the output head to the token embedding")
        }
    }

    /// The configuration in `config.json` of `directory`, from a transformers GPT-2 configuration
    /// or gscope's older one, not yet validated.
    private static func decodeGPTConfig(from directory: String) throws(ModelError) -> (
        config: GPTConfig, format: GPTCheckpointFormat
    ) {
        let path = join(directory, configFile)
        let header = try decodeConfig(ArchitectureHeader.self, from: directory)
        if header.modelType == gpt2ModelType {
            let file = try decodeConfig(GPT2ConfigFile.self, from: directory)
            return (try file.gptConfig(path: path), .huggingFace)
        }
        guard header.modelType == nil, header.architecture == architecture else {
            let found =
                header.modelType.map { "model_type is '\($0)'" } ?? "architecture is '\(header.architecture ?? "absent")'"
            throw .checkpoint(
                "\(path): \(found), this loader reads model_type '\(gpt2ModelType)' or architecture '\(architecture)'")
        }
        return (try decodeConfig(GPTConfig.self, from: directory), .gscope)
    }

    /// `config.validate()`, its error naming the file at `path`.
    private static func validate(_ config: GPTConfig, path: String) throws(ModelError) {
        do throws(ModelError) {
            try config.validate()
        } catch {
            throw .checkpoint("\(path): \(error)")
        }
    }

    /// The exact text of the transformers `config.json` gscope writes for `config` (sorted keys,
    /// two-space indent, final newline). `bos_token_id` and `eos_token_id` are null when the
    /// vocabulary does not hold GPT2Config's default (50256), which transformers would warn about.
    package static func configJSON(_ config: GPTConfig) -> String {
        let tokenIDs: [(key: String, value: String)] =
            config.vocabSize > 50256 ? [] : [("bos_token_id", "null"), ("eos_token_id", "null")]
        let entries: [(key: String, value: String)] = [
            ("activation_function", "\"gelu_new\""), ("architectures", "[\"GPT2LMHeadModel\"]"),
            ("attn_pdrop", "0.0"), ("embd_pdrop", "0.0"), ("resid_pdrop", "0.0"),
            ("layer_norm_epsilon", "\(config.layerNormEpsilon)"), ("model_type", "\"\(gpt2ModelType)\""),
            ("n_ctx", String(config.blockSize)), ("n_positions", String(config.blockSize)),
            ("n_embd", String(config.nEmbd)), ("n_head", String(config.nHead)), ("n_inner", "null"),
            ("n_layer", String(config.nLayer)), ("reorder_and_upcast_attn", "false"),
            ("scale_attn_by_inverse_layer_idx", "false"), ("scale_attn_weights", "true"),
            ("tie_word_embeddings", "true"), ("torch_dtype", "\"float32\""), ("vocab_size", String(config.vocabSize)),
        ]
        return prettyJSON(tokenIDs + entries)
    }

    /// The exact text of gscope's older GPT `config.json` (as `gpt_torch.py` writes it), which
    /// `load` still reads.
    package static func gscopeConfigJSON(_ config: GPTConfig) -> String {
        prettyJSON([
            ("architecture", "\"\(architecture)\""), ("block_size", String(config.blockSize)),
            ("n_embd", String(config.nEmbd)), ("n_head", String(config.nHead)),
            ("n_layer", String(config.nLayer)), ("vocab_size", String(config.vocabSize)),
        ])
    }

    static func configDescription(_ c: GPTConfig) -> String {
        "n_layer \(c.nLayer), n_head \(c.nHead), n_embd \(c.nEmbd), vocab_size \(c.vocabSize), block_size \(c.blockSize)"
    }

    /// A transformers `GPT2Config` as `config.json` holds it. Absent keys take `GPT2Config`'s
    /// defaults, as `from_pretrained` does; settings gscope's GPT does not compute are refused by
    /// `gptConfig(path:)`.
    private struct GPT2ConfigFile: Decodable {
        var nPositions: Int?
        var nCtx: Int?
        var nEmbd: Int?
        var nLayer: Int?
        var nHead: Int?
        var vocabSize: Int?
        var nInner: Int?
        var layerNormEpsilon: Double?
        var activationFunction: String?
        var tieWordEmbeddings: Bool?
        var scaleAttnWeights: Bool?
        var scaleAttnByInverseLayerIdx: Bool?
        var addCrossAttention: Bool?

        enum CodingKeys: String, CodingKey {
            case nPositions = "n_positions", nCtx = "n_ctx", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head"
            case vocabSize = "vocab_size", nInner = "n_inner", layerNormEpsilon = "layer_norm_epsilon"
            case activationFunction = "activation_function", tieWordEmbeddings = "tie_word_embeddings"
            case scaleAttnWeights = "scale_attn_weights", scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
            case addCrossAttention = "add_cross_attention"
        }

        /// gscope's configuration of this GPT-2, or an error naming the file at `path` and the key
        /// whose setting gscope's GPT would compute differently.
        func gptConfig(path: String) throws(ModelError) -> GPTConfig {
            func refuse(_ key: String, _ why: String) -> ModelError {
                .checkpoint("\(path): \(key): \(why); gscope's GPT does not compute this GPT-2 variant")
            }
            let activation = activationFunction ?? "gelu_new"
            guard activation == "gelu_new" else {
                throw refuse("activation_function", "is '\(activation)', not gelu_new (GELU, tanh approximation)")
            }
            let width = nEmbd ?? 768
            if let nInner, nInner != 4 * width {
                throw refuse("n_inner", "is \(nInner), not null or 4·n_embd = \(4 * width)")
            }
            if tieWordEmbeddings == false { throw refuse("tie_word_embeddings", "is false (an untied output head)") }
            if scaleAttnWeights == false { throw refuse("scale_attn_weights", "is false (attention scores unscaled)") }
            if scaleAttnByInverseLayerIdx == true {
                throw refuse("scale_attn_by_inverse_layer_idx", "is true (scores scaled by 1/(layer + 1))")
            }
            if addCrossAttention == true { throw refuse("add_cross_attention", "is true (an encoder-decoder model)") }
            let epsilon = layerNormEpsilon.map { Float($0) } ?? LayerNorm.eps
            return GPTConfig(
                nLayer: nLayer ?? 12, nHead: nHead ?? 12, nEmbd: width, vocabSize: vocabSize ?? 50257,
                blockSize: nPositions ?? nCtx ?? 1024, layerNormEpsilon: epsilon)
        }
    }
}
