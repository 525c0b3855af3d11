import GGUF

/// Loads a llama-architecture GGUF file (as llama.cpp's `convert_hf_to_gguf.py` writes it, e.g.
/// SmolLM2-135M-Instruct) into a `Llama` with Hugging Face's tensor names and layout.
///
/// The configuration comes from the `llama.*` metadata. Every tensor is dequantised to Float32.
/// llama.cpp reorders the rows of `q_proj` and `k_proj` for its interleaved rotary pairs
/// (2i, 2i+1); this engine pairs (i, i + hs/2) as Hugging Face does, so the rows are put back:
/// within head h, Hugging Face's row h·hs + k·hs/2 + j is the file's row h·hs + 2j + k
/// (j < hs/2, k ∈ {0, 1}; the inverse of `permute` in the converter).
package enum LlamaGGUF {
    /// The configuration a GGUF file's metadata describes (context: `llama.context_length`).
    package static func config(of file: GGUFFile) throws(ModelError) -> LlamaConfig {
        do {
            guard try file.string("general.architecture") == "llama" else {
                throw ModelError.checkpoint(
                    "\(file.path): general.architecture is '\(try file.string("general.architecture"))', not llama")
            }
            let embedding = try file.tensor("token_embd.weight")
            return LlamaConfig(
                nLayer: try file.int("llama.block_count"), nHead: try file.int("llama.attention.head_count"),
                nKVHead: try file.int("llama.attention.head_count_kv"),
                nEmbd: try file.int("llama.embedding_length"), ffnHidden: try file.int("llama.feed_forward_length"),
                vocabSize: embedding.shape[0], blockSize: try file.int("llama.context_length"),
                ropeBase: try file.double("llama.rope.freq_base"),
                rmsNormEps: try file.double("llama.attention.layer_norm_rms_epsilon"),
                tiedEmbeddings: !file.contains(tensor: "output.weight"))
        } catch let error as ModelError {
            throw error
        } catch {
            throw .checkpoint("\(file.path): \(error)")
        }
    }

    /// The model in `path`, every parameter dequantised; `contextLength` caps the context (the
    /// activation arena grows with it only as far as the batches used).
    package static func load(_ path: String, contextLength: Int? = nil) throws(ModelError) -> Llama {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw .checkpoint("\(error)") }
        var config = try config(of: file)
        if let contextLength { config.blockSize = min(config.blockSize, contextLength) }
        try checkSizes(of: config, against: file)
        let model = try Llama(config: config)
        let covered = Set(fileNames(config).map(\.hf))
        for slot in model.layout.slots where !covered.contains(slot.name) {
            throw .checkpoint("\(path): no GGUF tensor maps to \(slot.name)")
        }
        for (gguf, hf, heads) in fileNames(config) {
            guard let slot = model.layout[hf] else { continue }
            let values: [Float]
            do {
                let info = try file.tensor(gguf)
                guard info.shape == slot.shape || (slot.shape.count == 1 && info.elementCount == slot.count) else {
                    throw ModelError.shapeMismatch("\(path): tensor \(gguf) has shape \(info.shape), \(hf) needs \(slot.shape)")
                }
                values = try file.floats(info)
            } catch let error as ModelError {
                throw error
            } catch {
                throw .checkpoint("\(error)")
            }
            let destination = model.parameters.base + slot.offset
            if let heads {
                unpermuteRotaryRows(values, heads: heads, rowLength: slot.shape[1], into: destination)
            } else {
                values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: values.count) }
            }
        }
        return model
    }

    /// Throws naming the file and the metadata key when `config` (read from `file`'s metadata)
    /// claims more than the file's tensor table holds (`ClaimedSizes`): checked before any buffer
    /// the size of the model exists.
    static func checkSizes(of config: LlamaConfig, against file: GGUFFile) throws(ModelError) {
        var sum: CheckedCount = 0
        for info in file.tensors { sum = sum + CheckedCount(info.elementCount) }
        let elements = sum.value ?? .max, sizes = config.claimedSizes(file: file.path, keys: .gguf)
        try sizes.check(against: "the tensor table", tensors: file.tensors.count, elements: elements) { () throws(ModelError) in
            do throws(ModelError) {
                try config.validate()
            } catch {
                throw .checkpoint("\(file.path): \(error)")
            }
        }
        // The model's buffer is allocated before its tensors are matched with the file's.
        try sizes.checkParameterCount(against: "the tensor table", elements: elements)
    }

    /// The GGUF name of every Hugging Face tensor, with the head count whose rows llama.cpp
    /// permuted (q: the query heads, k: the key/value heads).
    static func fileNames(_ c: LlamaConfig) -> [(gguf: String, hf: String, heads: Int?)] {
        var names: [(String, String, Int?)] = [("token_embd.weight", "model.embed_tokens.weight", nil)]
        for l in 0..<c.nLayer {
            let b = "blk.\(l).", p = "model.layers.\(l)."
            names += [
                (b + "attn_norm.weight", p + "input_layernorm.weight", nil),
                (b + "attn_q.weight", p + "self_attn.q_proj.weight", c.nHead),
                (b + "attn_k.weight", p + "self_attn.k_proj.weight", c.nKVHead),
                (b + "attn_v.weight", p + "self_attn.v_proj.weight", nil),
                (b + "attn_output.weight", p + "self_attn.o_proj.weight", nil),
                (b + "ffn_norm.weight", p + "post_attention_layernorm.weight", nil),
                (b + "ffn_gate.weight", p + "mlp.gate_proj.weight", nil),
                (b + "ffn_up.weight", p + "mlp.up_proj.weight", nil),
                (b + "ffn_down.weight", p + "mlp.down_proj.weight", nil),
            ]
        }
        names.append(("output_norm.weight", "model.norm.weight", nil))
        if !c.tiedEmbeddings { names.append(("output.weight", "lm_head.weight", nil)) }
        return names
    }

    /// Writes `rows` (heads·hs rows of `rowLength`, llama.cpp's order) in Hugging Face's order:
    /// destination row h·hs + k·hs/2 + j ← source row h·hs + 2j + k.
    static func unpermuteRotaryRows(_ rows: [Float], heads: Int, rowLength: Int, into destination: UnsafeMutablePointer<Float>) {
        let hs = rows.count / rowLength / heads, half = hs / 2
        rows.withUnsafeBufferPointer { source in
            for h in 0..<heads {
                for j in 0..<half {
                    for k in 0..<2 {
                        let from = (h * hs + 2 * j + k) * rowLength, to = (h * hs + k * half + j) * rowLength
                        (destination + to).update(from: source.baseAddress! + from, count: rowLength)
                    }
                }
            }
        }
    }
}
