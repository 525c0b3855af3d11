import NumericCore

/// Everything one Phi forward pass keeps for its backward pass, plus the backward scratch, for passes
/// of up to one batch shape (B,T) (`ArenaShape`). Arrays are row-major; N = B·T rows of the pass.
final class PhiActivations: OutputArena {
    /// One block's saved tensors. QKV = C + 2·KV, F = the MLP width. The block's attention and
    /// MLP both read `ln`; its output `out` is the residual plus both branches.
    struct Block {
        let ln, lnMean, lnRstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N): input_layernorm
        let qkv: UnsafeMutablePointer<Float>   // (N,QKV) q|k|v with biases, the rotary part of q and k rotated
        let att: UnsafeMutablePointer<Float>   // (B,NH,T,T) probabilities
        let atty: UnsafeMutablePointer<Float>   // (N,C) attention output (before dense)
        let fch, fchGelu: UnsafeMutablePointer<Float>   // (N,F) fc1's output before / after gelu_new
        let out: UnsafeMutablePointer<Float>   // (N,C) block output
    }

    let shape: ArenaShape
    let head = OutputHeadState()
    let blocks: [Block]
    let encoded: UnsafeMutablePointer<Float>   // (N,C) token embeddings
    let lnf, lnfMean, lnfRstd: UnsafeMutablePointer<Float>   // (N,C), (N), (N): final_layernorm
    let logits: UnsafeMutablePointer<Float>   // (N,V)
    let lse, logp: UnsafeMutablePointer<Float>   // (N)
    let ropeCos, ropeSin: UnsafeMutablePointer<Float>   // (T, rotaryDim/2)
    let tokens, targets: UnsafeMutablePointer<Int32>   // (N) copies of the inputs
    // Backward scratch, reused by every block.
    let dres, dln, dlnAttention, datty: UnsafeMutablePointer<Float>   // (N,C)
    let dqkv: UnsafeMutablePointer<Float>   // (N,QKV)
    let dfc: UnsafeMutablePointer<Float>   // (N,F)
    let dlogits: UnsafeMutablePointer<Float>   // (N,V)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    let ones: UnsafeMutablePointer<Float>   // (N) of 1, for bias gradients
    /// Scratch of `directionalDerivative`, allocated by its first call, for the arena's capacity.
    var tangents: PhiTangentScratch?
    private let owned: [FloatBuffer]
    private let ownedIds: [UnsafeMutablePointer<Int32>]

    init(config: PhiConfig, B: Int, T: Int, workers: Int) {
        shape = ArenaShape(B: B, T: T)
        let N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let QKV = config.qkvDim, F = config.ffnHidden, half = config.rotaryDim / 2
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        blocks = (0..<config.nLayer).map { _ in
            Block(
                ln: take(N * C), lnMean: take(N), lnRstd: take(N), qkv: take(N * QKV), att: take(B * NH * T * T),
                atty: take(N * C), fch: take(N * F), fchGelu: take(N * F), out: take(N * C))
        }
        encoded = take(N * C)
        lnf = take(N * C); lnfMean = take(N); lnfRstd = take(N)
        logits = take(N * V)
        lse = take(N); logp = take(N)
        ropeCos = take(T * half); ropeSin = take(T * half)
        RotaryEmbedding.tables(cos: ropeCos, sin: ropeSin, T: T, headSize: config.rotaryDim, base: config.ropeBase)
        dres = take(N * C); dln = take(N * C); dlnAttention = take(N * C); datty = take(N * C)
        dqkv = take(N * QKV)
        dfc = take(N * F)
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
