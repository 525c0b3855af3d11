/// Which OpenBLAS kernel family gscope computes with, and the line a run file records about it.
///
/// OpenBLAS's kernel families sum a product's terms in other orders (other register blockings,
/// other `k` blockings), so the same product gives other last bits on, say, its SkylakeX (AVX-512)
/// and its Haswell (AVX2+FMA) kernels. Those bits then grow through a training run into other
/// tables. By default (`pinned`) gscope runs the Haswell kernels on every x86-64 CPU, whatever
/// `OPENBLAS_CORETYPE` says: every x86-64-v3 CPU executes them identically. `GSCOPE_KERNELS=fastest`
/// opts in to the fastest family instead (see `fastestCoreType`), and the run file says so.
/// OpenBLAS chooses its kernels once, when it loads, so the choice is made by re-executing gscope
/// with `OPENBLAS_CORETYPE` set (`decide`); docs/kernels.md tells the whole story.
public enum KernelPolicy: String, Sendable, CaseIterable {
    /// OpenBLAS's Haswell kernels on every x86-64 CPU (the default).
    case pinned
    /// The fastest family: the user's `OPENBLAS_CORETYPE` when set, else `fastestCoreType`.
    case fastest

    /// The environment variable that chooses the policy (unset or empty: `pinned`).
    public static let environmentVariable = "GSCOPE_KERNELS"
    /// Set by gscope when it re-executes itself, so that it re-executes at most once.
    public static let reexecGuard = "GSCOPE_KERNELS_REEXEC"
    /// The family `pinned` runs on x86-64.
    public static let pinnedCoreType = "Haswell"

    /// What gscope does before anything else, from `decide`.
    public enum Decision: Equatable, Sendable {
        /// Carry on with the kernels OpenBLAS loaded.
        case keep
        /// Set `OPENBLAS_CORETYPE` to this family (and `reexecGuard`) and re-execute.
        case reexec(coreType: String)
        /// `GSCOPE_KERNELS` holds something else than a policy's name: stop with this message (exit 2).
        case invalidSetting(String)
        /// The CPU cannot run gscope's kernels: stop with this message (exit 1).
        case unsupportedCPU(String)
    }

    /// The policy `environment` asks for; nil when `GSCOPE_KERNELS` names none.
    public static func requested(in environment: [String: String]) -> KernelPolicy? {
        guard let value = environment[environmentVariable], !value.isEmpty else { return .pinned }
        return KernelPolicy(rawValue: value)
    }

    /// What to do, given the process's environment, the CPU's feature flags (nil when unknown),
    /// the family OpenBLAS loaded and whether this is x86-64:
    /// - an unknown `GSCOPE_KERNELS` value: `invalidSetting`;
    /// - not x86-64 (aarch64): `keep`, OpenBLAS's own choice (recorded by `record`);
    /// - an x86-64 CPU known to lack AVX2 or FMA: `unsupportedCPU` (gscope's own vector code is
    ///   compiled for them, `-target-cpu haswell`, and would stop on an illegal instruction);
    /// - `pinned`: `reexec` with Haswell unless Haswell is loaded;
    /// - `fastest`: `keep` when the user set `OPENBLAS_CORETYPE` (OpenBLAS loaded it already), else
    ///   `reexec` with `fastestCoreType` unless that is loaded;
    /// - `keep` whenever `reexecGuard` is set: gscope re-executes at most once, and a family that
    ///   did not take (an OpenBLAS built without it) is recorded as what ran.
    public static func decide(
        environment: [String: String], cpuFlags: Set<String>?, loadedCore: String, isX86_64: Bool
    ) -> Decision {
        guard let policy = requested(in: environment) else {
            let value = environment[environmentVariable] ?? ""
            return .invalidSetting("\(environmentVariable)=\(value): expected 'pinned' (the default) or 'fastest'")
        }
        guard isX86_64 else { return .keep }
        if let flags = cpuFlags, !flags.isSuperset(of: ["avx2", "fma"]) {
            return .unsupportedCPU(
                "this CPU has no AVX2 and FMA: gscope's kernels are compiled for x86-64-v3 (Haswell and later, "
                    + "AMD Zen and later), and its results are pinned to OpenBLAS's Haswell kernels")
        }
        let wanted: String
        switch policy {
        case .pinned: wanted = pinnedCoreType
        case .fastest:
            if let own = environment["OPENBLAS_CORETYPE"], !own.isEmpty { return .keep }
            wanted = cpuFlags.flatMap(fastestCoreType(flags:)) ?? loadedCore
        }
        if wanted == loadedCore || environment[reexecGuard] != nil { return .keep }
        return .reexec(coreType: wanted)
    }

    /// The fastest OpenBLAS family for a CPU with these feature flags that Debian's OpenBLAS 0.3.21
    /// carries: SkylakeX with AVX-512 (F, BW, VL, DQ), else Haswell (AVX2 and FMA; OpenBLAS's own
    /// choice, Zen on AMD, runs the same kernels), else nil.
    public static func fastestCoreType(flags: Set<String>) -> String? {
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// The feature flags of the first CPU in `/proc/cpuinfo`'s text (its `flags` line), or nil.
    public static func cpuFlags(cpuinfo: String?) -> Set<String>? {
        guard let line = cpuinfo?.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
    }

    /// The line recorded in every run file, checkpoint, sweep file and benchmark: OpenBLAS's version,
    /// the family that ran and why, e.g. "OpenBLAS 0.3.21 Haswell (pinned)",
    /// "OpenBLAS 0.3.21 SkylakeX (fastest: GSCOPE_KERNELS=fastest)",
    /// "OpenBLAS 0.3.21 SkylakeX (not pinned)" (a process that was not re-executed, such as a test
    /// process, or an OpenBLAS without Haswell kernels) or "OpenBLAS 0.3.21 NEOVERSEN1 (not x86-64:
    /// OpenBLAS's own choice)". `configuration` is OpenBLAS's `openblas_get_config()`.
    public static func record(
        configuration: String, loadedCore: String, environment: [String: String], isX86_64: Bool
    ) -> String {
        let version = configuration.split(separator: " ").prefix(2).joined(separator: " ")
        let why: String
        if !isX86_64 {
            why = "not x86-64: OpenBLAS's own choice"
        } else if requested(in: environment) == .fastest {
            why = "fastest: \(environmentVariable)=fastest"
        } else {
            why = loadedCore == pinnedCoreType ? "pinned" : "not pinned"
        }
        return "\(version) \(loadedCore) (\(why))"
    }
}
