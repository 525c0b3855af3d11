import NumericCore

/// Why `gscope sweep slurm` or `gscope sweep parallel` cannot do what was asked; each is one line
/// `gscope: <what>: <why>`.
package enum LaunchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A value for an `#SBATCH` line that sbatch would read differently from the shell.
    case notWritableInSbatchLine(option: String, value: String)
    /// A program that could not be started (`posix_spawn` failed).
    case cannotStart(program: String, reason: String)
    /// The measured run of the sweep's first config did not complete; its output is in `log`.
    case measuredRunFailed(log: String, config: String, how: String)

    package var description: String {
        switch self {
        case .notWritableInSbatchLine(let option, let value):
            return "\(option) \(JSONText.quoted(value)): sbatch reads a backslash or a line break in an #SBATCH line "
                + "differently from the shell; use a value without them"
        case .cannotStart(let program, let reason):
            return "\(program): cannot start: \(reason)"
        case .measuredRunFailed(let log, let config, let how):
            return "\(log): the measured run of \(config) \(how); give --time and --mem to skip the measurement"
        }
    }
}
