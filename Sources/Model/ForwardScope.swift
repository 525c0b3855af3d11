/// How much of a batch a forward pass computes.
package enum ForwardScope: Sendable, Equatable {
    /// Everything, each row on its own: the logits at every position (what generation, evaluation
    /// and the models' tests read).
    case all
    /// What a loss reads, and what objectives, risks and G-effects run with:
    /// - the logits at the positions that count in the loss (mask ≠ 0) only (`OutputHead`; NaN
    ///   elsewhere, with log-sum-exp and log-probability 0). The head is a fifth of SmolLM2's
    ///   multiply-adds per position, and the chat template and question of a TOFU sample (about
    ///   70 % of its positions) have mask 0;
    /// - the start every row shares, up to the first position any row counts (a chat template's
    ///   system prompt and user header), through the products of the forward and forward-mode passes
    ///   once, in the first row, whose results the other rows take (`BLAS.gemm`'s
    ///   `sharedPrefix`). Every activation is still there at every position. The backward pass
    ///   backpropagates the start once as well, from the first row, into which the other rows'
    ///   gradient there is folded (`SharedPrefixGradient`). Architectures that do not share (Phi,
    ///   the Markov reference) compute the start in every row.
    case loss
}
