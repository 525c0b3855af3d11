import Foundation

/// Quoting for a POSIX shell: the one function through which every string gscope writes into a
/// shell script or command line passes (Slurm batch scripts, GNU parallel command lines).
package enum ShellWord {
    /// `text` as one shell word: unchanged when it holds only characters no shell treats
    /// specially (letters, digits, `_ - . / , : = + @ %`), else in single quotes, each `'` written
    /// as `'\''`. The empty string is `''`.
    package static func quoted(_ text: String) -> String {
        let plain =
            !text.isEmpty
            && text.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "/", ",", ":", "=", "+", "@", "%": return true
                default: return false
                }
            }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `words` quoted and joined by spaces: a command line.
    package static func commandLine(_ words: [String]) -> String { words.map(quoted).joined(separator: " ") }
}
