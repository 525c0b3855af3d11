import Foundation

/// The old spellings of options that keep working for one release (`unlearn --checkpoint`,
/// `train --from`, `train --model tiny`, `bench --gguf`, …): each one used prints one line on
/// standard error, and an old and a new spelling given together with different values is refused.
enum DeprecatedSpelling {
    /// Prints `gscope: warning: --OLD is deprecated; use --NEW (the old spelling goes away in the
    /// next release)` on standard error. `old` and `new` are written without the leading dashes,
    /// e.g. `warn("checkpoint", use: "model")` or `warn("model tiny", use: "size tiny")`.
    static func warn(_ old: String, use new: String) {
        let line = "gscope: warning: --\(old) is deprecated; use --\(new) (the old spelling goes away in the next release)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The value of an option that has a new spelling and an old one: the new value, else the old
    /// one (with the warning printed). Both given with different values is an ``OptionError``
    /// (one line, exit status 2): "--checkpoint: a differs from --model b: give --model only".
    static func merge(new: String?, newName: String, old: String?, oldName: String) throws -> String? {
        guard let old else { return new }
        warn(oldName, use: newName)
        if let new, new != old {
            throw OptionError(option: "--\(oldName)", "\(old) differs from --\(newName) \(new): give --\(newName) only")
        }
        return old
    }
}
