/// The model under evaluation gave a log-probability that is NaN or infinite: its weights hold NaN
/// or infinity (a diverged run, a damaged checkpoint). Every metric would be nonsense that looks
/// valid (truth ratio 0, extraction strength 0.03), so evaluation stops instead; the CLI exits 1.
package struct NonFiniteModelOutput: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was scored (e.g. "answer target 2 of sample 5").
    package let position: String
    /// The offending value.
    package let value: Double

    package init(position: String, value: Double) {
        self.position = position
        self.value = value
    }

    package var description: String {
        "the model's log-probability at \(position) is \(value): its weights hold NaN or infinity "
            + "(a diverged run or a damaged checkpoint); nothing was evaluated"
    }

    /// Throws unless `logSumExp` (the log-normaliser of one position's logits) and `logProb` (of
    /// its target) are finite; `position` is said only when they are not.
    @inline(__always)
    static func check(logSumExp: Float, logProb: Float, _ position: @autoclosure () -> String) throws(NonFiniteModelOutput) {
        guard logSumExp.isFinite, logProb.isFinite else {
            throw NonFiniteModelOutput(position: position(), value: Double(logSumExp.isFinite ? logProb : logSumExp))
        }
    }
}
