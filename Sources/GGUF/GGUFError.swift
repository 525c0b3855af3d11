/// A problem with a GGUF file, said so that a user can fix it: the file, the tensor or metadata key
/// when there is one, and what was wrong (e.g. `model.gguf: tensor blk.3.attn_q.weight: type Q5_K
/// is not supported`, `model.gguf: truncated: tensor output_norm.weight needs bytes
/// 98360000..<98362304, the file has 98361000`).
package struct GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path of the file (or a label for bytes in memory).
    package let file: String
    /// What was wrong, naming the tensor or key concerned.
    package let message: String

    package init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    package var description: String { "\(file): \(message)" }
}
