/// How the tensors of a parameter layout are stored in a checkpoint's safetensors files when the
/// file is not simply the layout: tensors under another name (transformers' `transformer.` or
/// `model.` prefixes), matrices stored as the transpose of their layout shape (GPT-2's `Conv1D`
/// keeps `(in, out)` where gscope's `Linear` keeps `(out, in)`), and tensors of the file to skip
/// because transformers itself skips them on load (GPT-2's `attn.bias` causal-mask buffers).
///
/// `Checkpoint.save` writes the layout tensor `name` under `savedName(name)`, transposed when
/// `isTransposed(name)`; `Checkpoint.loadParameters` maps each file tensor back with
/// `layoutName` (nil for a name the layout does not know, which is an error unless `isIgnored`),
/// and transposes it back. Transposing moves floats only, so a save and a load give the same bits.
package struct TensorStorage: Sendable {
    /// The file name of the layout tensor `name`.
    package var savedName: @Sendable (String) -> String
    /// The layout name of the file tensor `name`, or nil when it is no layout tensor's.
    package var layoutName: @Sendable (String) -> String?
    /// Whether the layout tensor `name` (a matrix) is stored as its transpose.
    package var isTransposed: @Sendable (String) -> Bool
    /// Whether the file tensor `name` is skipped (documented buffers transformers ignores).
    package var isIgnored: @Sendable (String) -> Bool

    package init(
        savedName: @escaping @Sendable (String) -> String, layoutName: @escaping @Sendable (String) -> String?,
        isTransposed: @escaping @Sendable (String) -> Bool = { _ in false },
        isIgnored: @escaping @Sendable (String) -> Bool = { _ in false }
    ) {
        self.savedName = savedName
        self.layoutName = layoutName
        self.isTransposed = isTransposed
        self.isIgnored = isIgnored
    }

    /// Every tensor under its layout name, as laid out, nothing skipped.
    package static let asLaidOut = TensorStorage(savedName: { $0 }, layoutName: { $0 })

    /// Names saved with `prefix` (e.g. `"transformer."`) and read with or without it.
    package static func prefixed(
        _ prefix: String, isTransposed: @escaping @Sendable (String) -> Bool = { _ in false },
        isIgnored: @escaping @Sendable (String) -> Bool = { _ in false }
    ) -> TensorStorage {
        TensorStorage(
            savedName: { prefix + $0 },
            layoutName: { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 },
            isTransposed: isTransposed, isIgnored: isIgnored)
    }

    /// Whether the layout tensor `name` of shape `shape` is stored transposed (matrices only).
    package func storesTransposed(_ name: String, _ shape: [Int]) -> Bool { shape.count == 2 && isTransposed(name) }

    /// The shape the layout tensor `name` of shape `shape` has in the file.
    package func storedShape(of name: String, _ shape: [Int]) -> [Int] {
        storesTransposed(name, shape) ? [shape[1], shape[0]] : shape
    }

    /// `destination[j·rows + i] = source[i·columns + j]`: the (columns, rows) transpose of the
    /// row-major (rows, columns) matrix `source`.
    package static func transpose(
        _ source: UnsafeBufferPointer<Float>, rows: Int, columns: Int,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(source.count == rows * columns && destination.count == rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { destination[j * rows + i] = source[i * columns + j] }
        }
    }
}
