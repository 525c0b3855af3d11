/// The figures `gscope plot` draws, with what each one shows.
package enum FigureKind: String, CaseIterable, Sendable {
    case geffect, layers, blocks, heads, interference, instances, weights, groups, fidelity, compare, tradeoff, markov, recovery

    /// One line on what the figure shows and how to read it (for `--help`).
    package var summary: String {
        switch self {
        case .geffect:
            return "G-effect total of every risk set vs step, one panel per run. Forget below zero = the step unlearns; "
                + "retain (and other sets) below zero = the step damages them. --cumulative plots running sums."
        case .layers:
            return "G-effect per layer group (embed, shallow, middle, deep, lm) vs step, forget and retain panels: "
                + "where in the network unlearning acts and where the damage lands. Curves sum to the total."
        case .blocks:
            return
                "Heat map step x transformer block of the forget and retain G-effect (blue negative, vermillion positive; white to vermillion when none is negative)."
        case .heads:
            return "Heat maps of the forget and retain G-effect per attention head: block x head at --step (default the last "
                + "recorded step), and every head against the step. Which heads carry unlearning, and which the damage."
        case .interference:
            return "Heat maps of the forget x set interference I[i,j] = <grad l_j, grad(gamma L_i)> at --step (default the last "
                + "measured step), lines between authors or chains: blue pairs are retained items a forget instance damages."
        case .instances:
            return "Per-instance unlearning PG-effect (x) vs retaining PG-effect (y), pooled over --steps, coloured by "
                + "instance-weight quartile. Lower-left points: forgetting them also raises the retain risk."
        case .weights:
            return "Instance-weight quantiles (min, 10/50/90 %, max) vs step, and the token weights (instance x position) "
                + "at --step (default: the last recorded step)."
        case .groups:
            return
                "Markov runs: the G-effect each forget group's instances contribute (forget1, forget2; solid e_forget, dashed e_retain) "
                + "and each group's median instance weight vs step: which sequences carry the update."
        case .fidelity:
            return "Predicted risk change -eta*e (filled) and -eta*u (open, the optimiser's real update) vs the realised "
                + "change between recorded steps; points on y = x are predicted exactly."
        case .compare:
            return "Forget and retain G-effect totals of several runs on the same axes; legend: --label, objective or file."
        case .tradeoff:
            return "TOFU forget quality (log scale) vs model utility at every evaluated step, one curve per run; "
                + "open circle = first evaluation, filled = last. Up and right is better."
        case .recovery:
            return "Relearning runs (gscope relearn): the answer NLL of the whole forget split, and TOFU's forget_Q_A_Prob, "
                + "against the relearning step, one curve per attacked objective: how fast each objective's forgetting is undone."
        case .markov:
            return "Markov simulations: forget KL vs retain KL per evaluated step (solid forget1, dashed forget2), with "
                + "the retrained (squares) and Bayes-optimal (diamonds) references. Up and left is better."
        }
    }

    /// Whether the figure draws one run at a time (one file per run when several are given)
    /// rather than all runs together.
    var isPerRun: Bool {
        switch self {
        case .layers, .blocks, .heads, .interference, .instances, .weights, .groups, .fidelity: return true
        case .geffect, .compare, .tradeoff, .markov, .recovery: return false
        }
    }
}
