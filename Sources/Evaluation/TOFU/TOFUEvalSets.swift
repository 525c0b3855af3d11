import Datasets

/// The question–answer sets TOFU's metric suite reads, as open-unlearning uses them: the forget
/// split's perturbed file (answers, paraphrased answers, perturbed answers), `retain_perturbed`,
/// `real_authors_perturbed`, `world_facts_perturbed`, and optionally a holdout split for the
/// membership-inference metrics.
package struct TOFUEvalSets: Sendable {
    /// One set and the key open-unlearning prefixes its metrics with.
    package struct Set: Sendable {
        /// `forget`, `retain`, `ra` (real authors) or `wf` (world facts).
        package let key: String
        package let items: [QASample]
        /// Whether the truth ratio's correct answer is the paraphrased answer (forget, retain) or
        /// the answer itself (real authors, world facts).
        package let paraphrased: Bool
    }

    package let forget: Set, retain: Set, realAuthors: Set, worldFacts: Set
    /// Items the model never saw, the negatives of the membership-inference AUCs (nil: those
    /// metrics are left out).
    package let holdout: [QASample]?

    package init(forget: Set, retain: Set, realAuthors: Set, worldFacts: Set, holdout: [QASample]?) {
        self.forget = forget
        self.retain = retain
        self.realAuthors = realAuthors
        self.worldFacts = worldFacts
        self.holdout = holdout
    }

    /// The sets of a TOFU-shaped directory for one forget split; `holdout` names a file
    /// `<holdout>.json` of the directory (e.g. `holdout01`, as TOFU publishes them).
    package static func load(_ dir: TOFUDirectory, forget: TOFUForgetSet, holdout: String? = nil) throws -> TOFUEvalSets {
        let holdoutItems = try holdout.map { name in
            try JSONLines.read(QASample.self, path: dir.filePath(name + ".json"))
        }
        return TOFUEvalSets(
            forget: Set(key: "forget", items: try dir.load(forget.perturbed), paraphrased: true),
            retain: Set(key: "retain", items: try dir.load(.retainPerturbed), paraphrased: true),
            realAuthors: Set(key: "ra", items: try dir.load(.realAuthorsPerturbed), paraphrased: false),
            worldFacts: Set(key: "wf", items: try dir.load(.worldFactsPerturbed), paraphrased: false),
            holdout: holdoutItems)
    }

    /// The four sets in the order of open-unlearning's report.
    package var all: [Set] { [forget, retain, realAuthors, worldFacts] }
}
