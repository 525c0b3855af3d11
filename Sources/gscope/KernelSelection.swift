import Foundation
import NumericCore

/// OpenBLAS reads its settings once, when the library loads, before any Swift code runs. Two of
/// them matter here, so gscope sets them and re-executes itself once (values the user set win):
///
/// - `OPENBLAS_CORETYPE`: OpenBLAS picks kernels by CPU model number and falls back to portable
///   SSE3 kernels on models it does not know (recent Xeons in VMs), 4–6× slower; gscope picks
///   from the CPU's feature flags instead (`BLAS.coreTypeForThisCPU`).
/// - `OPENBLAS_THREAD_TIMEOUT=4`: idle OpenBLAS workers otherwise spin for a long while after
///   each product, taking the cores from the element-wise kernels that run between products
///   (measured: a `small` training step 450–525 ms with the default, 380–388 ms with 4).
enum KernelSelection {
    static func reexecWithTunedBLASIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        var changed = false
        if env["OPENBLAS_CORETYPE"] == nil, let core = BLAS.coreTypeForThisCPU(), core != BLAS.coreName {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
            changed = true
        }
        guard changed else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with OpenBLAS as it is.
    }
}
