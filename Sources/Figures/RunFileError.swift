/// Why a run file cannot be plotted or inspected: it is damaged or was edited by hand, so its
/// datasets do not fit together (docs/run-file.md says how they must).
///
/// The ``description`` names the file and the dataset, e.g.
/// `run.h5: /geffect/forget/total has 3 rows, /steps has 5`. `gscope plot` and `gscope inspect`
/// print it after `gscope: ` and exit with status 2, as for other bad input.
package struct RunFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the caller named it.
    package let file: String
    /// The dataset or group the problem is about, e.g. `/geffect/forget/total`.
    package let object: String
    /// What is wrong with it, after its name: `has 3 rows, /steps has 5`.
    package let problem: String

    /// Whether a dataset has fewer rows than its steps, which a reader may also see for a moment
    /// in a run being written (``RunFileLayout/reading(_:_:)`` looks again before giving up).
    package let isRowShortfall: Bool

    /// A run-file error about `object` in `file`.
    package init(file: String, object: String, problem: String, isRowShortfall: Bool = false) {
        self.file = file
        self.object = object
        self.problem = problem
        self.isRowShortfall = isRowShortfall
    }

    package var description: String { "\(file): \(object) \(problem)" }
}
