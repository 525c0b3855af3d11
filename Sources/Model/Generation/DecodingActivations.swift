import NumericCore

/// The working buffers of `IncrementalForward` for up to `tokenCapacity` new tokens in up to
/// `rowCapacity` rows: one block's tensors at a time (every block reuses them; nothing is kept
/// for a backward pass) and the last position of each row for the head. Row-major, N tokens.
final class DecodingActivations {
    let tokenCapacity: Int, rowCapacity: Int
    let residual, residualAfterAttention: UnsafeMutablePointer<Float>   // (N,C) the residual stream before / after attention
    let normalized, mean, rstd: UnsafeMutablePointer<Float>            // (N,C), (N), (N) LayerNorm output and statistics
    let qkv: UnsafeMutablePointer<Float>                                // (N,3C)
    let attentionOutput: UnsafeMutablePointer<Float>                    // (N,C)
    let fc, fcGelu: UnsafeMutablePointer<Float>                         // (N,4C) before / after the GELU
    let lastResidual, lastNormalized: UnsafeMutablePointer<Float>       // (M,C) each row's last new position
    let logits: UnsafeMutablePointer<Float>                             // (M,V)
    let attentionScratch: UnsafeMutablePointer<Float>                   // (maxLength) per worker
    let attentionScratchSlots: Int
    let tokens: UnsafeMutablePointer<Int32>                             // (N)
    let positions, contextOffsets, contextLengths: UnsafeMutablePointer<Int>   // (N)
    private let owned: [FloatBuffer]
    private let ownedInts: [UnsafeMutablePointer<Int>]

    init(config: GPTConfig, tokenCapacity N: Int, rowCapacity M: Int, maxLength: Int, workers: Int) {
        tokenCapacity = N
        rowCapacity = M
        let C = config.nEmbd, V = config.vocabSize
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        residual = take(N * C); residualAfterAttention = take(N * C)
        normalized = take(N * C); mean = take(N); rstd = take(N)
        qkv = take(3 * N * C)
        attentionOutput = take(N * C)
        fc = take(4 * N * C); fcGelu = take(4 * N * C)
        lastResidual = take(M * C); lastNormalized = take(M * C)
        logits = take(M * V)
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
}
