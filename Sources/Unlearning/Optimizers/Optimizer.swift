import Model
import NumericCore

/// Updates a flat parameter buffer from its gradient twin.
package protocol Optimizer: AnyObject {
    /// One update with learning rate `lr`; gradients are read, not cleared.
    func step(parameters: FloatBuffer, gradients: FloatBuffer, lr: Float)
}

/// The element ranges of a layout that receive weight decay: matrices, not biases or norm gains
/// (as nanoGPT and most LLM recipes do).
package func matrixRanges(of layout: ParameterLayout) -> [Range<Int>] {
    layout.slots.filter(\.isMatrix).map(\.range)
}
