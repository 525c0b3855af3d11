import NumericCore
import Testing

/// What gscope does about OpenBLAS's kernels before anything else runs (`KernelPolicy.decide`), and
/// the line it records (`KernelPolicy.record`), for CPUs and settings this machine may not have.
@Suite("Kernel policy")
struct KernelPolicyTests {
    static let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]
    static let avx512: Set<String> = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq"])

    static func decide(_ environment: [String: String], flags: Set<String>? = avx2, loaded: String, x86: Bool = true)
        -> KernelPolicy.Decision
    {
        KernelPolicy.decide(environment: environment, cpuFlags: flags, loadedCore: loaded, isX86_64: x86)
    }

    /// By default every x86-64 CPU computes with Haswell, whatever OpenBLAS loaded or the user set.
    @Test func pinnedRunsHaswellWhateverTheUserSet() {
        #expect(Self.decide([:], loaded: "Zen") == .reexec(coreType: "Haswell"))
        #expect(Self.decide([:], flags: Self.avx512, loaded: "SkylakeX") == .reexec(coreType: "Haswell"))
        #expect(Self.decide(["OPENBLAS_CORETYPE": "Sandybridge"], loaded: "Sandybridge") == .reexec(coreType: "Haswell"))
        #expect(
            Self.decide(["GSCOPE_KERNELS": "pinned", "OPENBLAS_CORETYPE": "Prescott"], loaded: "Prescott")
                == .reexec(coreType: "Haswell"))
        #expect(Self.decide(["GSCOPE_KERNELS": ""], loaded: "Zen") == .reexec(coreType: "Haswell"))
        #expect(Self.decide(["OPENBLAS_CORETYPE": "Haswell"], loaded: "Haswell") == .keep)
        #expect(Self.decide([:], flags: nil, loaded: "Zen") == .reexec(coreType: "Haswell"), "no /proc/cpuinfo")
    }

    /// The guard set by the first re-execution stops a second one, even when Haswell did not load.
    @Test func reexecutesAtMostOnce() {
        #expect(Self.decide(["GSCOPE_KERNELS_REEXEC": "1", "OPENBLAS_CORETYPE": "Haswell"], loaded: "Zen") == .keep)
        #expect(
            Self.decide(["GSCOPE_KERNELS_REEXEC": "1", "GSCOPE_KERNELS": "fastest"], flags: Self.avx512, loaded: "Haswell")
                == .keep)
    }

    /// The opt-in: the user's `OPENBLAS_CORETYPE` as loaded, else SkylakeX with AVX-512, else Haswell.
    @Test func fastestIsAnOptIn() {
        let fastest = ["GSCOPE_KERNELS": "fastest"]
        #expect(Self.decide(fastest, flags: Self.avx512, loaded: "Haswell") == .reexec(coreType: "SkylakeX"))
        #expect(Self.decide(fastest, flags: Self.avx512, loaded: "SkylakeX") == .keep)
        #expect(Self.decide(fastest, loaded: "Zen") == .reexec(coreType: "Haswell"))
        #expect(Self.decide(fastest, loaded: "Haswell") == .keep)
        #expect(Self.decide(fastest.merging(["OPENBLAS_CORETYPE": "Sandybridge"]) { a, _ in a }, loaded: "Sandybridge") == .keep)
        #expect(Self.decide(fastest, flags: nil, loaded: "Zen") == .keep, "no /proc/cpuinfo: OpenBLAS's own choice")
    }

    /// A CPU without AVX2 or FMA is refused (gscope's own vector code needs them); aarch64 keeps
    /// OpenBLAS's choice; an unknown setting is bad input.
    @Test func refusalsAndOtherArchitectures() {
        guard case .unsupportedCPU(let message) = Self.decide([:], flags: ["sse4_2", "avx"], loaded: "Sandybridge") else {
            Issue.record("a CPU without AVX2 and FMA was not refused")
            return
        }
        #expect(message.contains("AVX2") && message.contains("FMA"))
        #expect(Self.decide([:], flags: ["avx2"], loaded: "Haswell") != .keep, "AVX2 without FMA")
        #expect(Self.decide([:], flags: ["asimd", "fp"], loaded: "NEOVERSEN1", x86: false) == .keep)
        #expect(
            Self.decide(["GSCOPE_KERNELS": "Fastest"], loaded: "Haswell")
                == .invalidSetting("GSCOPE_KERNELS=Fastest: expected 'pinned' (the default) or 'fastest'"))
        #expect(Self.decide(["GSCOPE_KERNELS": "haswell"], flags: nil, loaded: "Haswell", x86: false) != .keep)
    }

    @Test func recordSaysWhatRanAndWhy() {
        let config = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
        func record(_ environment: [String: String], _ loaded: String, x86: Bool = true) -> String {
            KernelPolicy.record(configuration: config, loadedCore: loaded, environment: environment, isX86_64: x86)
        }
        #expect(record([:], "Haswell") == "OpenBLAS 0.3.21 Haswell (pinned)")
        #expect(record([:], "Zen") == "OpenBLAS 0.3.21 Zen (not pinned)")
        #expect(record(["GSCOPE_KERNELS": "fastest"], "SkylakeX") == "OpenBLAS 0.3.21 SkylakeX (fastest: GSCOPE_KERNELS=fastest)")
        #expect(record([:], "NEOVERSEN1", x86: false) == "OpenBLAS 0.3.21 NEOVERSEN1 (not x86-64: OpenBLAS's own choice)")
    }

    @Test func cpuFlagsAndFastestFamily() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx fma avx2 bmi2\nbugs\t\t: none\n"
        #expect(KernelPolicy.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx", "fma", "avx2", "bmi2"])
        #expect(KernelPolicy.cpuFlags(cpuinfo: nil) == nil && KernelPolicy.cpuFlags(cpuinfo: "processor\t: 0\n") == nil)
        #expect(KernelPolicy.fastestCoreType(flags: Self.avx512) == "SkylakeX")
        #expect(KernelPolicy.fastestCoreType(flags: Self.avx2) == "Haswell")
        #expect(KernelPolicy.fastestCoreType(flags: ["sse4_2", "avx"]) == nil)
    }
}
