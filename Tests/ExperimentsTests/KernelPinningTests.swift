import Foundation
import Model
import NumericCore
import Store
import Testing
import TestSupport

#if arch(x86_64)
private let kernelFamiliesApply = true
#else
private let kernelFamiliesApply = false
#endif

/// The same numbers on every machine (issue 19, item 3; docs/kernels.md). A reduced demo —
/// fine-tune a target (`gscope train`), unlearn it with NPO+KL, G-effects at every step and
/// TOFU's evaluation at steps 0 and 2 against a retain model (`gscope unlearn`), print the summary table (`gscope inspect
/// --table`) — runs through the release binary once per OpenBLAS kernel family this CPU can
/// execute, named in `OPENBLAS_CORETYPE`. Pinned (the default), every run computes with the
/// Haswell kernels: the table, `run.h5` and both checkpoints are the same bytes. With
/// `GSCOPE_KERNELS=fastest` the family the user named runs, the files say so, and a family whose
/// products differ (Sandybridge, or SkylakeX on an AVX-512 CPU) gives other numbers.
@Suite("Kernel pinning", .serialized, .enabled(if: kernelFamiliesApply, "OpenBLAS's kernel families are x86-64's"))
struct KernelPinningTests {
    static let setup = syntheticRunSetup("kernel-pinning")

    /// The families of Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) tried here, with the CPU flags each
    /// needs. Bulldozer to Excavator (FMA4, XOP) and Opteron (3DNow!) stop on an illegal
    /// instruction on Zen and Intel CPUs; Cooperlake and SapphireRapids are not in the build.
    static let families: [(name: String, needs: Set<String>)] = [
        ("Haswell", ["avx2", "fma"]), ("Zen", ["avx2", "fma"]),
        ("SkylakeX", ["avx512f", "avx512bw", "avx512vl", "avx512dq"]),
        ("Sandybridge", ["avx"]), ("Nehalem", ["sse4_2"]), ("Core2", ["ssse3"]), ("Prescott", ["pni"]),
        ("Barcelona", ["sse4a"]),
    ]

    static let cpuFlags = KernelPolicy.cpuFlags(cpuinfo: try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))

    /// The families this CPU can execute, in `families`' order.
    static var runnableFamilies: [String] {
        guard let flags = cpuFlags else { return [] }
        return families.filter { flags.isSuperset(of: $0.needs) }.map(\.name)
    }

    /// What one reduced demo left behind.
    struct DemoOutput {
        let table: String
        let runFile: Data
        let target: Data, unlearned: Data
        let kernels: String
        let finalWeights: [Float]
    }

    /// The test process's environment without any kernel setting, with `created` fixed and `extra`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", KernelPolicy.environmentVariable, KernelPolicy.reexecGuard] {
            env.removeValue(forKey: key)
        }
        env["SOURCE_DATE_EPOCH"] = "1764460800"
        return env.merging(extra) { _, new in new }
    }

    /// Runs the reduced demo in a fresh directory (relative paths, so the recorded configuration
    /// and the table name the same files in every run) with `extra` in the environment.
    static func demo(_ label: String, _ extra: [String: String]) throws -> DemoOutput? {
        let dir = temporaryDirectory("kernels-" + label)
        let env = environment(extra)
        func run(_ arguments: [String]) throws -> GscopeRun? {
            let r = try runGscope(arguments, in: dir, environment: env)
            guard r.status == 0 else {
                Issue.record("\(label): gscope \(arguments[0]) exited \(r.status): \(r.stderr)")
                return nil
            }
            return r
        }
        guard
            try run([
                "train", "--data", setup.data, "--split", "forget10", "--tokenizer", "byte", "--model", setup.checkpoint,
                "--steps", "2", "--batch", "4", "--threads", "1", "--out", "target",
            ]) != nil,
            try run([
                "unlearn", "--model", "target/checkpoint", "--data", setup.data, "--tokenizer", "byte",
                "--forget-split", "forget10", "--steps", "2", "--threads", "1", "--eval-every", "2",
                "--retain-model", setup.checkpoint, "--set", "objective.forget.name=npo", "--set", "objective.retain.name=kl",
                "--set", "data.max_length=320", "--set", "run.geffect_retain_size=8", "--set", "run.geffect_forget_size=8",
                "--set", "eval.max_new_tokens=2",
                "--quiet", "--out", "run",
            ]) != nil,
            let table = try run(["inspect", "--table", "run/run.h5"])
        else { return nil }
        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + path)) }
        let root = try H5File.open(dir + "/run/run.h5").root
        return DemoOutput(
            table: table.stdout, runFile: try bytes("run/run.h5"),
            target: try bytes("target/checkpoint/model.safetensors"), unlearned: try bytes("run/checkpoint/model.safetensors"),
            kernels: try root.stringAttribute("kernels"),
            finalWeights: try Checkpoint.load(from: dir + "/run/checkpoint").parameters)
    }

    static func requireBinary() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return false
        }
        return true
    }

    /// Pinned, the reduced demo gives the same table and the same bytes with `OPENBLAS_CORETYPE`
    /// unset or set to each family this CPU can execute, and records the Haswell kernels.
    @Test func pinnedRunsAreTheSameBytesOnEveryFamily() throws {
        guard Self.requireBinary() else { return }
        #expect(Self.runnableFamilies.contains("Haswell"), "this CPU has no AVX2 and FMA: \(Self.runnableFamilies)")
        guard let reference = try Self.demo("unset", [:]) else { return }
        #expect(reference.kernels.hasSuffix(" Haswell (pinned)"), "\(reference.kernels)")
        #expect(reference.table.contains("npo+kl"), "\(reference.table)")
        for family in Self.runnableFamilies {
            guard let other = try Self.demo(family, ["OPENBLAS_CORETYPE": family]) else { continue }
            #expect(other.kernels == reference.kernels, "\(family)")
            #expect(other.table == reference.table, "\(family): the summary table differs:\n\(other.table)\n\(reference.table)")
            #expect(other.target == reference.target, "\(family): the fine-tuned target's checkpoint differs")
            #expect(other.runFile == reference.runFile, "\(family): run.h5 differs")
            #expect(other.unlearned == reference.unlearned, "\(family): the unlearned checkpoint differs")
        }
    }

    /// With the opt-in, the kernels the user named run and are recorded; a family whose products
    /// differ from Haswell's gives other weights (so the test above could fail). On an AVX-512 CPU
    /// the opt-in alone runs SkylakeX, which differs too.
    @Test func theFastestOptInIsRecordedAndChangesTheNumbers() throws {
        guard Self.requireBinary() else { return }
        guard let pinned = try Self.demo("pinned", [:]) else { return }
        var optIns: [(label: String, environment: [String: String], family: String)] = []
        if Self.runnableFamilies.contains("Sandybridge") {
            optIns.append(
                ("fastest-sandybridge", ["GSCOPE_KERNELS": "fastest", "OPENBLAS_CORETYPE": "Sandybridge"], "Sandybridge"))
        }
        if Self.runnableFamilies.contains("SkylakeX") {
            optIns.append(("fastest", ["GSCOPE_KERNELS": "fastest"], "SkylakeX"))
        }
        #expect(!optIns.isEmpty, "no family to compare with on this CPU: \(Self.runnableFamilies)")
        for optIn in optIns {
            guard let fast = try Self.demo(optIn.label, optIn.environment) else { continue }
            #expect(fast.kernels.hasSuffix(" \(optIn.family) (fastest: GSCOPE_KERNELS=fastest)"), "\(fast.kernels)")
            let weights = BitComparison(fast.finalWeights, pinned.finalWeights)
            #expect(!weights.identical, "\(optIn.label): the same weights as the pinned run (\(weights))")
            let metadata = try SafetensorsFile(bytes: fast.unlearned).metadata
            #expect(metadata[Checkpoint.kernelsMetadataKey] == fast.kernels)
        }
    }

    /// The checkpoints record the kernels too; an unknown `GSCOPE_KERNELS` is bad input (exit 2).
    @Test func checkpointsRecordTheKernelsAndBadSettingsStop() throws {
        guard Self.requireBinary() else { return }
        let bad = try runGscope(["objectives"], environment: Self.environment(["GSCOPE_KERNELS": "quickest"]))
        #expect(bad.status == 2 && !bad.signalled)
        #expect(bad.stderr == "gscope: GSCOPE_KERNELS=quickest: expected 'pinned' (the default) or 'fastest'\n", "\(bad.stderr)")
        let out = temporaryDirectory("kernels-checkpoint")
        let train = try runGscope(
            [
                "train", "--data", Self.setup.data, "--split", "forget10", "--tokenizer", "byte", "--model",
                Self.setup.checkpoint,
                "--steps", "1", "--batch", "2", "--threads", "1", "--out", out,
            ], environment: Self.environment(["OPENBLAS_CORETYPE": "Prescott"]))
        #expect(train.status == 0, "\(train.stderr)")
        let metadata = try SafetensorsFile.read(out + "/checkpoint/model.safetensors").metadata
        #expect(metadata[Checkpoint.kernelsMetadataKey]?.hasSuffix(" Haswell (pinned)") == true, "\(metadata)")
        #expect(metadata["format"] == "pt")
    }
}
