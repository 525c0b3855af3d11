/// The one way text reaches a gnuplot script or a gnuplot data file.
///
/// Every string in a `.gp` script — titles, labels, legend entries, run labels, risk-set and
/// group names, file names, colours, formats — is written by ``quoted(_:)`` as a gnuplot
/// single-quoted string. Inside `'…'` gnuplot 5 interprets nothing: no backtick command
/// substitution, no `@` macros, no backslash escapes; the only special character is the quote
/// itself, written twice. What could still change the script's meaning is removed from the text
/// first (``sanitized(_:)``): line breaks and other control characters, which would end the line
/// and start a new command, become spaces, and backticks become `‘`, so no `.gp` gscope writes
/// ever holds a backtick. Text in comments (script and data-file headers) goes through
/// ``comment(_:)``, which in addition drops a trailing backslash (gnuplot continues a comment
/// ending in `\` onto the next line, which would swallow the command there).
package enum GnuplotString {
    /// `text` as a gnuplot single-quoted string literal: sanitized, with `'` doubled.
    package static func quoted(_ text: String) -> String {
        "'" + sanitized(text).replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A quoted title that shows `text` literally under the enhanced text mode: the characters the
    /// mode treats as markup (`\ _ ^ @ & { } ~`) are preceded by a backslash, for names taken from
    /// files, objectives and `--label`.
    package static func literal(_ text: String) -> String {
        quoted(String(sanitized(text).flatMap { Self.enhancedMarkup.contains($0) ? ["\\", $0] : [$0] }))
    }

    /// `text` on one line that may follow `#` in a script or data file.
    package static func comment(_ text: String) -> String {
        var line = sanitized(text)
        while line.hasSuffix("\\") { line.removeLast() }
        return line
    }

    /// `text` as gnuplot shows it from ``quoted(_:)``: every control character (line breaks, tabs,
    /// escape, DEL, …, and the Unicode line and paragraph separators) becomes a space, every
    /// backtick a `‘`; a `'` that would open the text or follow another `'` becomes `’`, because
    /// gnuplot 5.4's scanner misreads a doubled quote there (`print '''a'` prints nothing,
    /// `print 'a'''''` stops after `a'`); every other `'` stays, doubled by ``quoted(_:)``.
    package static func sanitized(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: result.append(" ")
            default:
                if scalar == "`" {
                    result.append("\u{2018}")
                } else if scalar == "'", result.isEmpty || result.last == "'" {
                    result.append("\u{2019}")
                } else {
                    result.append(scalar)
                }
            }
        }
        return String(result)
    }

    /// The characters gnuplot's enhanced text mode reads as markup.
    static let enhancedMarkup: Set<Character> = ["\\", "_", "^", "@", "&", "{", "}", "~"]
}
