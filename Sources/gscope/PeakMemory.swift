import Foundation

/// The process's resident memory, now and at its peak: what the benchmarks report beside their
/// times.
enum PeakMemory {
    /// The resident set now (`/proc/self/statm`'s second field, in pages), in KiB; 0 where there
    /// is no /proc.
    static var currentKiB: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    /// The peak resident set so far (`getrusage`'s `ru_maxrss`, KiB on Linux).
    static var residentKiB: Int {
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        return usage.ru_maxrss
    }
}
