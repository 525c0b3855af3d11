/// One thing wrong with a decoded config: which key and what. `load` turns it into a
/// `ConfigError` pointing at the key's line or override.
struct ConfigProblem: Equatable, Sendable {
    var kind: ConfigError.Kind
    var keyPath: String
    var message: String
}

extension ExperimentConfig {
    /// Every range and combination problem, in schema order.
    func problems() -> [ConfigProblem] {
        var out: [ConfigProblem] = []
        func fail(_ kind: ConfigError.Kind, _ keyPath: String, _ message: String) {
            out.append(ConfigProblem(kind: kind, keyPath: keyPath, message: message))
        }
        func nonEmpty(_ value: String, _ keyPath: String) {
            if value.isEmpty { fail(.outOfRange, keyPath, "must not be empty") }
        }
        func atLeast(_ value: Int, _ low: Int, _ keyPath: String) {
            if value < low { fail(.outOfRange, keyPath, "must be at least \(low), got \(value)") }
        }
        func number(_ value: Double, _ keyPath: String, positive: Bool = false, nonNegative: Bool = false) {
            if !value.isFinite {
                fail(.outOfRange, keyPath, "must be a finite number, got \(value)")
            } else if positive && value <= 0 {
                fail(.outOfRange, keyPath, "must be > 0, got \(value)")
            } else if nonNegative && value < 0 {
                fail(.outOfRange, keyPath, "must be ≥ 0, got \(value)")
            }
        }

        nonEmpty(name, "name")
        atLeast(seed, 0, "seed")
        if let problem = ThreadCount.problem(threads) { fail(.outOfRange, "threads", problem) }
        nonEmpty(model.checkpoint, "model.checkpoint")

        nonEmpty(data.dir, "data.dir")
        nonEmpty(data.tokenizer, "data.tokenizer")
        dataSetProblems(fail)
        if let retain = data.retainSplit, let forget = data.forgetSplit, retain.percent + forget.percent > 100 {
            fail(
                .conflict, "data.retain_split",
                "\(retain.rawValue) overlaps \(forget.rawValue) (use \(forget.complement.rawValue) or a smaller retain split)"
            )
        }
        atLeast(data.maxLength, 1, "data.max_length")
        atLeast(data.forgetPool, 0, "data.forget_pool")
        if data.forgetPool > 0 && data.kind != .markov {
            fail(
                .conflict, "data.forget_pool",
                "a pool of forget sequences is drawn from Markov data (kind markov); a QA run names its forget set "
                    + "with data.forget_split or data.forget_file: set this to 0")
        }

        for (key, problem) in objective.forget.parameters.problems() {
            fail(.outOfRange, "objective.forget.\(key)", problem)
        }
        for (key, problem) in objective.retain.parameters.problems() {
            fail(.outOfRange, "objective.retain.\(key)", problem)
        }
        number(objective.forgetWeight, "objective.forget_weight")   // −1 with ga: fine-tuning on the forget set (relearning)
        number(objective.retainWeight, "objective.retain_weight", nonNegative: true)

        number(optimizer.lr, "optimizer.lr", positive: true)
        number(optimizer.weightDecay, "optimizer.weight_decay", nonNegative: true)
        if optimizer.betas.count != 2 {
            fail(.outOfRange, "optimizer.betas", "must be two numbers [β₁, β₂], got \(optimizer.betas.count)")
        } else if !optimizer.betas.allSatisfy({ $0 >= 0 && $0 < 1 }) {
            fail(.outOfRange, "optimizer.betas", "each must be in [0, 1), got \(optimizer.betas)")
        }
        number(optimizer.eps, "optimizer.eps", positive: true)
        if let norm = optimizer.maxGradNorm { number(norm, "optimizer.max_grad_norm", positive: true) }

        atLeast(schedule.warmupSteps, 0, "schedule.warmup_steps")
        if schedule.warmupSteps > 0 && schedule.name != .linear {
            fail(
                .conflict, "schedule.warmup_steps", "only the linear schedule warms up; set schedule.name to linear or this to 0")
        }

        switch (run.steps, run.epochs) {
        case (nil, nil):
            fail(.conflict, "run.steps", "set one of run.steps and run.epochs")
        case (_?, _?):
            fail(
                .conflict, "run.epochs",
                "set only one of run.steps and run.epochs (clear the other with null, e.g. --set run.steps=null)")
        case let (steps?, nil):
            atLeast(steps, 1, "run.steps")
            if schedule.warmupSteps > steps {
                fail(.outOfRange, "schedule.warmup_steps", "must not exceed run.steps (\(steps)), got \(schedule.warmupSteps)")
            }
        case let (nil, epochs?):
            atLeast(epochs, 1, "run.epochs")
        }
        atLeast(run.forgetBatch, 1, "run.forget_batch")
        atLeast(run.retainBatch, 1, "run.retain_batch")
        atLeast(run.checkpointEvery, 0, "run.checkpoint_every")
        atLeast(run.recordEvery, 0, "run.record_every")
        atLeast(run.geffectRetainSize, 0, "run.geffect_retain_size")
        atLeast(run.geffectForgetSize, 0, "run.geffect_forget_size")
        if let size = run.riskSetSize { atLeast(size, 0, "run.risk_set_size") }
        atLeast(run.chunk, 1, "run.chunk")
        if !(objective.l1.alpha >= 0 && objective.l1.alpha.isFinite) {
            fail(.outOfRange, "objective.l1.alpha", "must be 0 (no penalty) or positive, got \(objective.l1.alpha)")
        }
        atLeast(objective.l1.noL1Epochs, 0, "objective.l1.no_l1_epochs")
        if !(optimizer.mask.ratio > 0 && optimizer.mask.ratio <= 1) {
            fail(
                .outOfRange, "optimizer.mask.ratio",
                "is the fraction of weights updated: above 0, at most 1, got \(optimizer.mask.ratio)")
        }
        if !(optimizer.mask.gamma > 0 && optimizer.mask.gamma.isFinite) {
            fail(.outOfRange, "optimizer.mask.gamma", "must be positive, got \(optimizer.mask.gamma)")
        }
        atLeast(data.forgetSubset, 0, "data.forget_subset")
        if data.forgetSubset > 0 && data.kind == .markov {
            fail(.conflict, "data.forget_subset", "is for question–answer data; Markov runs draw a pool with data.forget_pool")
        }
        atLeast(run.interferenceEvery, 0, "run.interference_every")
        if run.interferenceEvery > 0 {
            if run.recordEvery == 0 || run.interferenceEvery % run.recordEvery != 0 {
                fail(
                    .conflict, "run.interference_every",
                    "is measured at recorded steps: make it a multiple of run.record_every (\(run.recordEvery)), got \(run.interferenceEvery)"
                )
            }
            if run.geffectMode != .exact {
                fail(
                    .conflict, "run.interference_every",
                    "needs run.geffect_mode exact (the paper's mode has no whole-set gradients)")
            }
            if run.interferenceSets.isEmpty || run.interferenceSets.contains("steps") {
                fail(
                    .outOfRange, "run.interference_sets",
                    "name risk sets (retain, forget or sets of run.risk_sets; none called steps), got \(run.interferenceSets)")
            }
        }
        nonEmpty(run.out, "run.out")
        atLeast(eval.every, 0, "eval.every")
        atLeast(eval.maxNewTokens, 1, "eval.max_new_tokens")
        atLeast(eval.markovTestSize, 0, "eval.markov_test_size")
        if eval.every > 0 && data.kind == .qa && data.forgetFile != nil {
            fail(
                .conflict, "eval.every",
                "TOFU's metric suite evaluates a TOFU forget split (data.forget_split) with its paraphrased and "
                    + "perturbed answers; the forget set of data.forget_file has none: set eval.every to 0")
        }
        return out
    }

    /// The forget and retain sets: each named by a split or a file, never both, and files only
    /// for question–answer data.
    private func dataSetProblems(_ fail: (ConfigError.Kind, String, String) -> Void) {
        for (role, split, file) in [
            ("forget", data.forgetSplit?.rawValue, data.forgetFile), ("retain", data.retainSplit?.rawValue, data.retainFile),
        ] {
            guard let file else { continue }
            if file.isEmpty { fail(.outOfRange, "data.\(role)_file", "must not be empty (null: the split names the set)") }
            if data.kind == .markov {
                fail(
                    .conflict, "data.\(role)_file",
                    "Markov runs generate their sequences (data.markov); data.\(role)_file is for kind qa")
            } else if let split {
                fail(
                    .conflict, "data.\(role)_file",
                    "data.\(role)_file and data.\(role)_split (\(split)) both name the \(role) set: give one of them "
                        + "(clear the other with null, e.g. --set data.\(role)_split=null)")
            }
        }
        guard data.kind == .qa else { return }
        if data.forgetSplit == nil && data.forgetFile == nil {
            fail(.conflict, "data.forget_split", "name the forget set: data.forget_split or data.forget_file")
        }
        if data.retainSplit == nil && data.retainFile == nil {
            fail(
                .conflict, "data.retain_file",
                "a forget set from data.forget_file has no complement split: name the retain set with "
                    + "data.retain_file (a file of your own) or data.retain_split (a split of data.dir)")
        }
    }
}
