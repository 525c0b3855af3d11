import NumericCore

/// Floats grown on demand and then reused: the scratch of a pass whose size depends on its
/// inputs (the rows an output head computes, the rows a shared prefix leaves to backpropagate).
package final class GrowingScratch {
    private var buffer: FloatBuffer?

    /// At least `count` floats, valid until the next call.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let b = buffer, b.count >= count { return b.base }
        buffer = nil
        let b = FloatBuffer(count: count)
        buffer = b
        return b.base
    }
}
