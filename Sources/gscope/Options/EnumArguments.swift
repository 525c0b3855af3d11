import ArgumentParser
import Datasets
import Experiments

// The enums flags take directly: the values are the raw values, and --help lists them.

/// `--markov A|B` (train), `--experiment A|B` (data markov).
extension MarkovExperiment: ExpressibleByArgument {}

/// `--forget-split forget01|forget05|forget10|forget20|forget30|forget50|forget90` (eval, unlearn).
extension TOFUForgetSet: ExpressibleByArgument {}

/// `--geffect-mode exact|paper` (unlearn).
extension GEffectModeName: ExpressibleByArgument {}
