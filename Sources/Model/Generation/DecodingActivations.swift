import NumericCore

/// The widths of an incremental forward's working buffers, which differ between architectures.
struct DecodingShape {
    /// C, the residual stream.
    let width: Int
    /// A fused q|k|v row: 3C (GPT), C + 2·kvDim (Llama).
    let qkvWidth: Int
    /// The MLP's first linear layer's output: 4C (GPT), gate|up 2F (Llama).
    let mlpWidth: Int
    /// The MLP after its activation: 4C (GPT's GELU), F (Llama's SwiGLU).
    let mlpActivatedWidth: Int
    /// V, the logits of one row.
    let vocabSize: Int
}

/// The working buffers of an incremental forward (`GPTIncrementalForward`, `LlamaIncrementalForward`)
/// for up to `tokenCapacity` new tokens and `outputCapacity` positions with logits: one block's
/// tensors at a time (every block reuses them; nothing is kept for a backward pass), the
/// positions whose logits are asked for (by default each row's last) for the head, and where each
/// new token sits in the cache. Row-major, N tokens, S outputs.
final class DecodingActivations {
    let tokenCapacity: Int, outputCapacity: Int
    let residual, residualAfterAttention: UnsafeMutablePointer<Float>   // (N,C) the residual stream before / after attention
    let normalized, mean, rstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N) norm output and statistics
    let qkv: UnsafeMutablePointer<Float>   // (N,QKV)
    let attentionOutput: UnsafeMutablePointer<Float>   // (N,C)
    let mlp, mlpActivated: UnsafeMutablePointer<Float>   // (N,H), (N,A) the MLP before / after its activation
    let headInput, headNormalized: UnsafeMutablePointer<Float>   // (S,C) the positions whose logits are asked for
    let logits: UnsafeMutablePointer<Float>   // (S,V)
    let attentionScratch: UnsafeMutablePointer<Float>   // (maxLength) per worker
    let attentionScratchSlots: Int
    let tokens: UnsafeMutablePointer<Int32>   // (N)
    let positions, contextOffsets, contextLengths: UnsafeMutablePointer<Int>   // (N)
    private let owned: [FloatBuffer]
    private let ownedInts: [UnsafeMutablePointer<Int>]

    init(shape: DecodingShape, tokenCapacity N: Int, outputCapacity S: Int, maxLength: Int, workers: Int) {
        tokenCapacity = N
        outputCapacity = S
        let C = shape.width
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        residual = take(N * C); residualAfterAttention = take(N * C)
        normalized = take(N * C); mean = take(N); rstd = take(N)
        qkv = take(N * shape.qkvWidth)
        attentionOutput = take(N * C)
        mlp = take(N * shape.mlpWidth); mlpActivated = take(N * shape.mlpActivatedWidth)
        headInput = take(max(S, 1) * C); headNormalized = take(max(S, 1) * C)
        logits = take(max(S, 1) * shape.vocabSize)
        attentionScratch = take(workers * maxLength)
        attentionScratchSlots = workers
        self.owned = owned
        tokens = .allocate(capacity: N)
        positions = .allocate(capacity: N)
        contextOffsets = .allocate(capacity: N)
        contextLengths = .allocate(capacity: N)
        ownedInts = [positions, contextOffsets, contextLengths]
    }

    deinit {
        tokens.deallocate()
        ownedInts.forEach { $0.deallocate() }
    }

    /// Buffers for N tokens and S outputs: `buffers` when large enough, else new ones (stored in
    /// `buffers`, the old ones released first).
    static func fitting(
        _ buffers: inout DecodingActivations?, shape: DecodingShape, tokens N: Int, outputs S: Int,
        maxLength: Int
    ) -> DecodingActivations {
        if let a = buffers, a.tokenCapacity >= N, a.outputCapacity >= S { return a }
        buffers = nil
        let a = DecodingActivations(
            shape: shape, tokenCapacity: N, outputCapacity: S, maxLength: maxLength,
            workers: Parallel.workers)
        buffers = a
        return a
    }

    /// Lays out the new tokens of `rows` row after row: token n of the batch gets its id, its
    /// position (after its row's stored ones), the offset of its row in each layer's keys and
    /// values, and its context length (position + 1).
    func load(rows: [Int], tokens new: [[Int32]], cache: KVCache) {
        var n = 0
        for (r, row) in rows.enumerated() {
            for (i, token) in new[r].enumerated() {
                let position = cache.lengths[row] + i
                tokens[n] = token
                positions[n] = position
                contextOffsets[n] = cache.offset(layer: 0, row: row, position: 0)
                contextLengths[n] = position + 1
                n += 1
            }
        }
    }

    /// Writes token n's key and value, the k and v parts of row n of `qkv` (at `kOffset` and
    /// `kOffset + W` in rows of `qkvWidth` floats), into its cache slot in `keys` and `values`.
    func store(
        keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>, kOffset: Int, qkvWidth: Int,
        cache: KVCache, N: Int
    ) {
        let W = cache.width
        for n in 0..<N {
            let at = contextOffsets[n] + positions[n] * W, k = qkv + n * qkvWidth + kOffset
            (keys + at).update(from: k, count: W)
            (values + at).update(from: k + W, count: W)
        }
    }

    /// Copies the positions whose logits are asked for out of `residual` into `headInput` (row
    /// after row; `logitsAt` as `IncrementalDecoding.extend` takes it) and marks the rows' new
    /// positions as stored in `cache`. Returns S, the number of positions copied.
    func gatherOutputs(rows: [Int], tokens new: [[Int32]], logitsAt: [[Int]]?, width C: Int, cache: KVCache) -> Int {
        var first = 0, s = 0
        func copy(_ position: Int) {
            (headInput + s * C).update(from: residual + position * C, count: C)
            s += 1
        }
        for (r, row) in rows.enumerated() {
            if let offsets = logitsAt?[r] {
                for i in offsets { copy(first + i) }
            } else {
                copy(first + new[r].count - 1)
            }
            first += new[r].count
            cache.advance(row: row, by: new[r].count)
        }
        return s
    }
}
