/// One figure, ready to render: its name, the table it plots and the gnuplot script that plots it.
///
/// The renderer writes `name.dat` and `name.gp` side by side; the script reads the table by that
/// relative name and writes `name.png` and `name.pdf`, so both stay editable and re-runnable
/// (`cd OUT && gnuplot name.gp`).
package struct Figure: Sendable, Equatable {
    /// The file stem: `geffect`, `layers`, …
    package let name: String
    /// The text of `name.dat`.
    package let data: String
    /// The text of `name.gp`.
    package let script: String

    /// A figure called `name` with its table and script texts.
    package init(name: String, data: String, script: String) {
        self.name = name
        self.data = data
        self.script = script
    }
}

/// Why a figure cannot be drawn from the given run files (the data it needs is not there).
package struct FigureUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is missing, e.g. "no /eval/forget_quality in run.h5".
    package let reason: String

    /// An unavailable figure, for `reason`.
    package init(_ reason: String) { self.reason = reason }

    package var description: String { reason }
}
