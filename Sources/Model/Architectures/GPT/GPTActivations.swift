import NumericCore

/// Everything one forward pass keeps for its backward pass, plus the backward scratch, for passes
/// of up to one batch shape (B,T) (`ArenaShape`). Arrays are row-major; N = B·T rows of the pass.
final class GPTActivations: OutputArena {
    /// One transformer block's saved tensors.
    struct Block {
        let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N)
        let qkv: UnsafeMutablePointer<Float>   // (N,3C)
        let att: UnsafeMutablePointer<Float>   // (B,NH,T,T) probabilities
        let atty: UnsafeMutablePointer<Float>   // (N,C) attention output
        let res2: UnsafeMutablePointer<Float>   // (N,C) residual after attention
        let ln2, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>
        let fch, fchGelu: UnsafeMutablePointer<Float>   // (N,4C) before / after GELU
        let res3: UnsafeMutablePointer<Float>   // (N,C) block output
    }

    let shape: ArenaShape
    let head = OutputHeadState()
    /// The backward pass's gather of the rows a shared prefix leaves to backpropagate (`Linear.backward`).
    let prefixRows = GrowingScratch()
    let blocks: [Block]
    let encoded: UnsafeMutablePointer<Float>   // (N,C) embeddings
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>   // (N,V)
    let lse, logp: UnsafeMutablePointer<Float>   // (N)
    let tokens, targets: UnsafeMutablePointer<Int32>   // (N) copies of the inputs
    // Backward scratch, reused by every block.
    let dres, dln, datty: UnsafeMutablePointer<Float>   // (N,C)
    let dqkv: UnsafeMutablePointer<Float>   // (N,3C)
    let dfc: UnsafeMutablePointer<Float>   // (N,4C)
    let dlogits: UnsafeMutablePointer<Float>   // (N,V)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    let ones: UnsafeMutablePointer<Float>   // (N) of 1, for bias gradients
    /// Scratch of `directionalDerivative`, allocated by its first call, for the arena's capacity.
    var tangents: TangentScratch?
    private let owned: [FloatBuffer]
    private let ownedIds: [UnsafeMutablePointer<Int32>]

    init(config: GPTConfig, B: Int, T: Int, workers: Int) {
        shape = ArenaShape(B: B, T: T)
        let N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        blocks = (0..<config.nLayer).map { _ in
            Block(
                ln1: take(N * C), ln1Mean: take(N), ln1Rstd: take(N), qkv: take(3 * N * C),
                att: take(B * NH * T * T), atty: take(N * C), res2: take(N * C),
                ln2: take(N * C), ln2Mean: take(N), ln2Rstd: take(N),
                fch: take(4 * N * C), fchGelu: take(4 * N * C), res3: take(N * C))
        }
        encoded = take(N * C)
        lnf = take(N * C); lnfMean = take(N); lnfRstd = take(N)
        logits = take(N * V)
        lse = take(N); logp = take(N)
        dres = take(N * C); dln = take(N * C); datty = take(N * C)
        dqkv = take(3 * N * C)
        dfc = take(4 * N * C)
        dlogits = take(N * V)
        attScratch = take(workers * T * T)
        attScratchSlots = workers
        ones = take(N)
        ones.update(repeating: 1, count: N)
        self.owned = owned
        tokens = .allocate(capacity: N)
        targets = .allocate(capacity: N)
        ownedIds = [tokens, targets]
    }

    deinit { ownedIds.forEach { $0.deallocate() } }
}
