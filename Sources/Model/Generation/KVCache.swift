import NumericCore

/// The keys and values every attention layer has computed so far, for `rows` sequences of up to
/// `maxLength` positions each: two (layers, rows, maxLength, W) arrays, row-major, so that one
/// sequence's keys (or values) in one layer are `maxLength` consecutive rows of W floats — the
/// layout `Attention.forwardCached` reads. W is the width of a key, NKV·hs: the model's width C
/// with plain multi-head attention (GPT), `kvDim` with grouped-query attention (Llama). Key/value
/// head g of a key is its columns g·hs..<(g+1)·hs, as in the fused q|k|v rows.
///
/// `lengths[r]` counts the positions of row r whose keys and values are stored (in every layer).
package final class KVCache {
    package let layers: Int
    package let rows: Int
    package let maxLength: Int
    /// W, the floats of one position's key (and of its value): NKV·hs.
    package let width: Int
    /// Stored positions per row.
    package private(set) var lengths: [Int]
    private let keyStore: FloatBuffer
    private let valueStore: FloatBuffer

    /// An empty cache for `rows` sequences of at most `maxLength` positions of a model of
    /// `layers` blocks whose keys and values are `width` floats each.
    package init(layers: Int, rows: Int, maxLength: Int, width: Int) {
        precondition(layers > 0 && rows > 0 && maxLength > 0 && width > 0, "KVCache sizes must be positive")
        self.layers = layers
        self.rows = rows
        self.maxLength = maxLength
        self.width = width
        lengths = [Int](repeating: 0, count: rows)
        keyStore = FloatBuffer(count: layers * rows * maxLength * width)
        valueStore = FloatBuffer(count: layers * rows * maxLength * width)
    }

    /// An empty cache for a model of `contextLength` positions: `maxLength` (by default the
    /// context) must lie in 1...contextLength, and `rows` be positive.
    convenience init(layers: Int, rows: Int, maxLength: Int?, contextLength: Int, width: Int) throws(ModelError) {
        let length = maxLength ?? contextLength
        guard rows > 0, length > 0, length <= contextLength else {
            throw .shapeMismatch(
                "a key/value cache needs at least one row and 1...\(contextLength) positions (the context length), not \(rows) rows of \(length)"
            )
        }
        self.init(layers: layers, rows: rows, maxLength: length, width: width)
    }

    /// Forgets every row (the memory is kept).
    package func reset() { lengths = [Int](repeating: 0, count: rows) }

    /// Makes row `row` hold the first `length` stored positions of row `source` (in every layer)
    /// and nothing more: a sequence that starts like `source` continues from there.
    package func copyPrefix(_ length: Int, from source: Int, to row: Int) {
        precondition(length <= lengths[source], "KVCache row \(source) has \(lengths[source]) positions, not \(length)")
        if row != source {
            for layer in 0..<layers {
                let from = offset(layer: layer, row: source, position: 0), to = offset(layer: layer, row: row, position: 0)
                (keyStore.base + to).update(from: keyStore.base + from, count: length * width)
                (valueStore.base + to).update(from: valueStore.base + from, count: length * width)
            }
        }
        lengths[row] = length
    }

    /// Offset of (layer, row, position) in the key and value arrays, in floats.
    func offset(layer: Int, row: Int, position: Int) -> Int {
        ((layer * rows + row) * maxLength + position) * width
    }

    /// The start of layer `layer`'s keys; `offset(layer: 0, row:, position:)` indexes into it.
    func keys(layer: Int) -> UnsafeMutablePointer<Float> { keyStore.base + offset(layer: layer, row: 0, position: 0) }

    /// The start of layer `layer`'s values, laid out as `keys(layer:)`.
    func values(layer: Int) -> UnsafeMutablePointer<Float> { valueStore.base + offset(layer: layer, row: 0, position: 0) }

    /// Marks `count` more positions of `row` as stored (after every layer has written them).
    func advance(row: Int, by count: Int) {
        precondition(lengths[row] + count <= maxLength, "KVCache row \(row) would exceed \(maxLength) positions")
        lengths[row] += count
    }
}
