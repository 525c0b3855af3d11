import Foundation
import NumericCore

/// Makes OpenBLAS compute with the kernels `KernelPolicy` asks for, before anything else runs.
///
/// OpenBLAS picks its kernels once, when the library loads (before `main`), from
/// `OPENBLAS_CORETYPE` or else the CPU model. By default gscope pins OpenBLAS's Haswell kernels on
/// every x86-64 CPU, so that a run's bits do not depend on the machine: when another family
/// loaded (Zen, SkylakeX, or whatever `OPENBLAS_CORETYPE` the user set), gscope sets
/// `OPENBLAS_CORETYPE=Haswell` and `GSCOPE_KERNELS_REEXEC=1` and re-executes itself once; the
/// guard stops a second re-execution even if OpenBLAS ignored the variable.
/// `GSCOPE_KERNELS=fastest` opts in to the fastest family instead. A CPU without AVX2 and FMA is
/// refused (exit 1); an unknown `GSCOPE_KERNELS` value is bad input (exit 2). See docs/kernels.md.
enum KernelSelection {
    static func pinOrReexec() {
        #if arch(x86_64)
        let isX86_64 = true
        #else
        let isX86_64 = false
        #endif
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment
        // The guard is for this process only: a gscope it starts (a sweep's runs) decides afresh.
        unsetenv(KernelPolicy.reexecGuard)
        let decision = KernelPolicy.decide(
            environment: environment, cpuFlags: KernelPolicy.cpuFlags(cpuinfo: cpuinfo),
            loadedCore: BLAS.coreName, isX86_64: isX86_64)
        switch decision {
        case .keep:
            return
        case .reexec(let core):
            setenv("OPENBLAS_CORETYPE", core, 1)
            setenv(KernelPolicy.reexecGuard, "1", 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // execv returns only on failure: carry on; the run file records the kernels that ran.
            return
        case .invalidSetting(let message):
            FileHandle.standardError.write(Data("gscope: \(message)\n".utf8))
            exit(2)
        case .unsupportedCPU(let message):
            FileHandle.standardError.write(Data("gscope: \(message)\n".utf8))
            exit(1)
        }
    }
}
