import Foundation
import NumericCore

/// OpenBLAS picks its kernels once, when the library loads, from `OPENBLAS_CORETYPE` or else the
/// CPU model number; on models it does not know (recent Xeons in VMs) it falls back to portable
/// SSE3 kernels, 4–6× slower. Before anything else runs, gscope sets `OPENBLAS_CORETYPE` from the
/// CPU's feature flags (`BLAS.coreTypeForThisCPU`) and re-executes itself once. A value the user
/// set is left alone.
enum KernelSelection {
    static func reexecWithFastKernelsIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
            let core = BLAS.coreTypeForThisCPU(), core != BLAS.coreName
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernels OpenBLAS chose.
    }
}
