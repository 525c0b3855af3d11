import Foundation

/// The absolute path of the running gscope binary (`/proc/self/exe`), which child processes,
/// Slurm batch scripts and GNU parallel command lines call back.
package enum ThisExecutable {
    package static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
