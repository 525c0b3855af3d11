import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// Hugging Face GPT-2 directories against transformers, from the fixture that
/// `notebooks-scripts/parity/gpt2_hf_fixture.py` wrote with `GPT2LMHeadModel.save_pretrained`
/// (transformers 5.25, torch 2.13, float32): logits (relative error ≤ 1e-5), loss (relative ≤ 1e-6)
/// and every parameter gradient (relative ≤ 1e-4 per tensor) on a fixed batch; the F16, BF16 and
/// two-shard copies; gscope's own saves in the same layout, tensor for tensor.
@Suite("Hugging Face GPT-2 checkpoints")
struct GPT2CheckpointTests {
    static let dir = FixturePaths.root + "/parity/gpt2"

    static func loadGPT(_ variant: String) throws -> GPT {
        let model = try Checkpoint.loadModel(from: dir + "/" + variant)
        return try #require(model as? GPT)
    }

    @Test func parityWithTransformers() throws {
        let model = try Self.loadGPT("f32")
        #expect(model.config.layerNormEpsilon == Float(0.001))
        let reference = try SafetensorsFile.read(Self.dir + "/reference.safetensors")
        let shape = try reference.shape("tokens")
        let (b, t) = (shape[0], shape[1])
        let tokens = try reference.ints("tokens").map(Int32.init), targets = try reference.ints("targets").map(Int32.init)
        let mask = [Float](repeating: 1, count: b * t)

        model.zeroGradients()
        let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: b, seq: t)
        let logitError = relativeError(Array(model.logits), try reference.floats("logits").doubles)
        #expect(logitError <= 1e-5, "logits: relative error \(logitError)")
        let torchLoss = try reference.doubles("loss")[0]
        #expect(abs(loss - torchLoss) / torchLoss <= 1e-6, "loss \(loss) vs transformers \(torchLoss)")

        let d = model.logitGradientScratch.baseAddress!
        model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: d)
        model.backward(logitGradient: d)
        // transformers' gradients under its names and Conv1D orientation, mapped to the layout the
        // same way the weights are.
        let torchGradients = try Checkpoint.loadParameters(
            layout: model.layout, from: CheckpointWeights(single: SafetensorsFile.read(Self.dir + "/gradients.safetensors")),
            describing: "gradients", storage: Checkpoint.gpt2Storage)
        let gradients = model.gradients.array
        var worst = (name: "", error: 0.0)
        for slot in model.layout.slots {
            let error = relativeError(Array(gradients[slot.range]), Array(torchGradients[slot.range]).doubles)
            if error > worst.error { worst = (slot.name, error) }
        }
        #expect(worst.error <= 1e-4, "largest gradient relative error \(worst.error) in \(worst.name)")
        print(
            "GPT-2 vs transformers: logits relative error \(logitError), loss relative error \(abs(loss - torchLoss) / torchLoss), "
                + "largest gradient relative error \(worst.error) (\(worst.name))")
    }

    @Test func shardsLoadTheSameBits() throws {
        let single = try Checkpoint.load(from: Self.dir + "/f32")
        let sharded = try Checkpoint.load(from: Self.dir + "/sharded")
        #expect(try CheckpointWeights.read(directory: Self.dir + "/sharded").files.count == 2)
        #expect(sharded.config == single.config)
        #expect(sharded.parameters.map(\.bitPattern) == single.parameters.map(\.bitPattern))
    }

    @Test func halfPrecisionLoadsAreTheF32WeightsRounded() throws {
        let f32 = try Checkpoint.load(from: Self.dir + "/f32").parameters
        let bf16 = try Checkpoint.load(from: Self.dir + "/bf16").parameters
        let f16 = try Checkpoint.load(from: Self.dir + "/f16").parameters
        #expect(try CheckpointWeights.read(directory: Self.dir + "/bf16").dtypeCounts.map(\.dtype) == [.bf16])
        #expect(try CheckpointWeights.read(directory: Self.dir + "/f16").dtypeCounts.map(\.dtype) == [.f16])
        let bf16Mismatches = zip(f32, bf16).filter { Self.roundedToBF16($0).bitPattern != $1.bitPattern }.count
        let f16Mismatches = zip(f32, f16).filter { Self.roundedToF16($0).bitPattern != $1.bitPattern }.count
        #expect(bf16Mismatches == 0, "\(bf16Mismatches) of \(f32.count) BF16 weights are not the F32 weight rounded")
        #expect(f16Mismatches == 0, "\(f16Mismatches) of \(f32.count) F16 weights are not the F32 weight rounded")
        #expect(bf16 != f32)   // the rounding did something
    }

    /// `x` rounded to bfloat16 (to nearest, ties to even), as a Float. Finite `x` only.
    static func roundedToBF16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    /// `x` rounded to IEEE binary16 (to nearest, ties to even), as a Float.
    static func roundedToF16(_ x: Float) -> Float {
        #if arch(x86_64) && os(macOS)
        return SafetensorsFile.halfToFloat(UInt16(0))   // unused on that platform
        #else
        return Float(Float16(x))
        #endif
    }

    /// gscope saves a GPT in transformers' layout: the same names, shapes and bits as
    /// `save_pretrained` wrote, and a `config.json` of `model_type` gpt2 that loads back equal.
    @Test func savesInTransformersLayout() throws {
        let (config, parameters) = try Checkpoint.load(from: Self.dir + "/f32")
        let out = NSTemporaryDirectory() + "gscope-gpt2-save-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Checkpoint.save(config: config, parameters: parameters, to: out)

        let saved = try SafetensorsFile.read(out + "/model.safetensors")
        let original = try SafetensorsFile.read(Self.dir + "/f32/model.safetensors")
        #expect(Set(saved.names) == Set(original.names))
        for name in original.names {
            #expect(try saved.shape(name) == original.shape(name), "\(name)")
            #expect(try saved.floats(name).map(\.bitPattern) == original.floats(name).map(\.bitPattern), "\(name)")
        }
        let text = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        #expect(text.contains("\"model_type\": \"gpt2\"") && text.contains("\"layer_norm_epsilon\": 0.001"))
        let again = try Checkpoint.load(from: out)
        #expect(again.config == config)
        #expect(again.parameters.map(\.bitPattern) == parameters.map(\.bitPattern))
    }

    /// gscope's older checkpoints (`"architecture": "gpt"`, `(out, in)` matrices) still load, and
    /// saving one again gives the same numbers in the new layout.
    @Test func olderGscopeCheckpointsStillLoad() throws {
        let old = try Checkpoint.load(from: FixturePaths.parityGPT)
        #expect(old.config.layerNormEpsilon == LayerNorm.eps)
        let out = NSTemporaryDirectory() + "gscope-gpt2-resave-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try Checkpoint.save(config: old.config, parameters: old.parameters, to: out)
        let again = try Checkpoint.load(from: out)
        #expect(again.config == old.config)
        #expect(again.parameters.map(\.bitPattern) == old.parameters.map(\.bitPattern))
        // A square Conv1D matrix (c_proj, C×C) is stored transposed too.
        let c = old.config.nEmbd, slot = try #require(old.config.parameterLayout()["h.0.attn.c_proj.weight"])
        let stored = try SafetensorsFile.read(out + "/model.safetensors").floats("transformer.h.0.attn.c_proj.weight")
        #expect(stored[1] == old.parameters[slot.range.lowerBound + c])   // stored[0][1] = layout[1][0]
    }

    @Test func theRegistryReadsGPT2() throws {
        #expect(ArchitectureRegistry.reading(configType: "gpt2")?.name == "gpt")
        #expect(ArchitectureRegistry.reading(configType: "gpt")?.name == "gpt")
    }
}
