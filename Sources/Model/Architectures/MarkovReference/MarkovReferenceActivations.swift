import NumericCore

/// Everything one forward pass of the reference Markov model keeps for its backward pass, plus the
/// backward scratch, for passes of up to one batch shape (B,T) (`ArenaShape`). Arrays are row-major;
/// N = B·T rows of the pass.
final class MarkovReferenceActivations: OutputArena {
    /// One block's saved tensors: `out = ln₂(sum₂)`, `sum₂ = n + fc₂(relu(fc₁(n)))`,
    /// `n = ln₁(sum₁)`, `sum₁ = x + attn(x)`.
    struct Block {
        let qkv: UnsafeMutablePointer<Float>   // (N,3C) q|k|v of the block's input
        let att: UnsafeMutablePointer<Float>   // (B,T,T) attention probabilities (one head)
        let sum1: UnsafeMutablePointer<Float>   // (N,C) input + attention output
        let ln1, ln1Mean, ln1Rstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N): _lns_1
        let fc, fcRelu: UnsafeMutablePointer<Float>   // (N,C) the MLP's first layer before / after the ReLU
        let sum2: UnsafeMutablePointer<Float>   // (N,C) ln₁ output + MLP output
        let out, ln2Mean, ln2Rstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N): _lns_2, the block's output
    }

    let shape: ArenaShape
    let head = OutputHeadState()
    let blocks: [Block]
    let encoded: UnsafeMutablePointer<Float>   // (N,C) token embeddings + positions
    let logits: UnsafeMutablePointer<Float>   // (N,V)
    let lse, logp: UnsafeMutablePointer<Float>   // (N)
    let tokens, targets: UnsafeMutablePointer<Int32>   // (N) copies of the inputs
    // Backward scratch, reused by every block.
    let dres, dsum, dln, dfc: UnsafeMutablePointer<Float>   // (N,C)
    let dqkv: UnsafeMutablePointer<Float>   // (N,3C)
    let dlogits: UnsafeMutablePointer<Float>   // (N,V)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    let ones: UnsafeMutablePointer<Float>   // (N) of 1, for bias gradients
    /// Scratch of `directionalDerivative`, allocated by its first call, for the arena's capacity.
    var tangents: MarkovReferenceTangentScratch?
    private let owned: [FloatBuffer]
    private let ownedIds: [UnsafeMutablePointer<Int32>]

    init(config: MarkovReferenceConfig, B: Int, T: Int, workers: Int) {
        shape = ArenaShape(B: B, T: T)
        let N = B * T, C = config.nEmbd, V = config.vocabSize
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        blocks = (0..<config.nLayer).map { _ in
            Block(
                qkv: take(3 * N * C), att: take(B * T * T), sum1: take(N * C),
                ln1: take(N * C), ln1Mean: take(N), ln1Rstd: take(N), fc: take(N * C), fcRelu: take(N * C),
                sum2: take(N * C), out: take(N * C), ln2Mean: take(N), ln2Rstd: take(N))
        }
        encoded = take(N * C)
        logits = take(N * V)
        lse = take(N); logp = take(N)
        dres = take(N * C); dsum = take(N * C); dln = take(N * C); dfc = take(N * C)
        dqkv = take(3 * N * C)
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
