import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport

/// The split of a G-effect below the tensor: attention heads, MLP unit groups and the rest of each
/// block (`BlockUnits`, `UnitProducts`).
@Suite("G-effects per head and MLP unit group")
struct UnitSplitTests {
    /// Llamas with every bias, with grouped-query attention and a head width other than C / heads.
    static var llamaWithBiases: LlamaConfig {
        var c = LlamaConfig(
            nLayer: 2, nHead: 6, nKVHead: 2, nEmbd: 20, ffnHidden: 28, vocabSize: 17, blockSize: 8, ropeBase: 10_000,
            rmsNormEps: 1e-5, tiedEmbeddings: false)
        c.headDim = 4
        c.qkvBias = true
        c.outputBias = true
        c.mlpBias = true
        return c
    }

    static func models() throws -> [(name: String, model: any CausalLanguageModel)] {
        [
            ("gpt", try randomGPT(GPTConfig(nLayer: 2, nHead: 4, nEmbd: 20, vocabSize: 37, blockSize: 8), seed: 1)),
            ("llama", try randomLlama(.tiny, seed: 2)),
            ("llama with biases", try randomLlama(llamaWithBiases, seed: 3)),
            ("phi", try randomPhi(.tiny, seed: 4)),
            (
                "markov",
                try randomMarkovReference(MarkovReferenceConfig(nLayer: 2, nEmbd: 16, vocabSize: 10, blockSize: 8), seed: 5)
            ),
        ]
    }

    /// Every element of a block is counted with total weight 1 across its heads, MLP groups and
    /// rest (a shared key/value head's 1/g in each of g heads), and no element outside the blocks is.
    @Test func everyElementOfABlockIsCountedOnce() throws {
        for (name, model) in try Self.models() {
            var weight = [Double](repeating: 0, count: model.parameterCount)
            for block in model.blockUnits {
                for run in (block.heads + block.mlpGroups).flatMap({ $0 }) + block.rest {
                    for i in run.elements { weight[i] += run.share }
                }
            }
            var wrong = 0, first: Int?
            for slot in model.layout.slots {
                for i in slot.range where abs(weight[i] - (slot.block == nil ? 0 : 1)) > 1e-12 {
                    wrong += 1
                    first = first ?? i
                }
            }
            #expect(wrong == 0, "\(name): \(wrong) elements counted wrongly, the first at \(first ?? -1)")
            #expect(model.blockUnits.count == model.blockCount)
            #expect(model.blockUnits.allSatisfy { $0.mlpGroups.count == 8 && !$0.rest.isEmpty })
        }
    }

    /// Each head's and group's product against a direct sum over its elements, found from each
    /// tensor's name, row and column by the architecture's own rules (GPT's fused q|k|v rows;
    /// Llama's grouped key/value heads and biases).
    @Test func unitsFollowTheTensorsRowsAndColumns() throws {
        for (name, model) in try Self.models() where name == "gpt" || name == "llama with biases" {
            var rng = RNG(seed: 9)
            let P = model.parameterCount
            let r = randomFloats(P, rng: &rng), g = randomFloats(P, rng: &rng)
            let L = model.blockCount
            let (H, KV, hs, F): (Int, Int, Int, Int) =
                name == "gpt" ? (4, 4, 5, 80) : (6, 2, 4, Self.llamaWithBiases.ffnHidden)
            let C = model.width
            var head = [Double](repeating: 0, count: L * H), mlp = [Double](repeating: 0, count: L * 8)
            var rest = [Double](repeating: 0, count: L)
            func group(ofUnit u: Int) -> Int { (0..<8).last { $0 * F / 8 <= u }! }
            for slot in model.layout.slots {
                guard let l = slot.block else { continue }
                let field = slot.name.split(separator: ".").suffix(2).joined(separator: ".")
                let columns = slot.shape.count == 2 ? slot.shape[1] : 1
                for e in 0..<slot.count {
                    let (row, column) = (e / columns, e % columns)
                    let p = Double(r[slot.offset + e]) * Double(g[slot.offset + e])
                    switch field {
                    case "c_attn.weight", "c_attn.bias": head[l * H + (row % C) / hs] += p
                    case "q_proj.weight", "q_proj.bias": head[l * H + row / hs] += p
                    case "k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias":
                        for h in 0..<H where h / (H / KV) == row / hs { head[l * H + h] += p / Double(H / KV) }
                    case "o_proj.weight": head[l * H + column / hs] += p
                    case "c_fc.weight", "c_fc.bias", "gate_proj.weight", "up_proj.weight", "gate_proj.bias", "up_proj.bias":
                        mlp[l * 8 + group(ofUnit: row)] += p
                    case "down_proj.weight": mlp[l * 8 + group(ofUnit: column)] += p
                    case "c_proj.weight" where slot.name.contains(".attn."): head[l * H + column / hs] += p
                    case "c_proj.weight": mlp[l * 8 + group(ofUnit: column)] += p
                    default: rest[l] += p
                    }
                }
            }
            let units = UnitProducts(r, g, units: model.blockUnits)
            #expect(relativeError(units.head, head) < 1e-12, "\(name): heads")
            #expect(relativeError(units.mlpGroup, mlp) < 1e-12, "\(name): MLP groups")
            #expect(relativeError(units.rest, rest) < 1e-12, "\(name): rest")
        }
    }
}
