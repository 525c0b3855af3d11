/// NLTK's Porter stemmer in its default mode, `PorterStemmer(mode=NLTK_EXTENSIONS)` (nltk 3.10,
/// `nltk/stem/porter.py`), which `rouge_score` applies to tokens longer than three characters.
///
/// Porter (1980), "An algorithm for suffix stripping", steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b, with
/// Martin Porter's and NLTK's extensions: a pool of irregular forms looked up first (sky/skies →
/// sky, dying → die, lying → lie, tying → tie, news, innings/inning → inning,
/// outings/outing → outing, cannings/canning → canning, howe, proceed, exceed, succeed); words of at
/// most two letters unchanged; `-ies`/`-ied` on four-letter words → `-ie`, other `-ied` → `-i`;
/// y → i only after a consonant that is not the stem's only letter; `-alli` → `-al` recursively;
/// `-bli` → `-ble`, `-fulli` → `-ful`, `-logi` → `-log`; *o also true for a two-letter
/// vowel–consonant stem.
///
/// A consonant is a letter other than a, e, i, o, u, and other than a y preceded by a consonant;
/// the measure m of a stem is the number of vowel→consonant transitions ([C](VC)^m[V]).
package struct PorterStemmer: Sendable {
    /// The irregular forms NLTK_EXTENSIONS maps before running the algorithm.
    package static let irregularForms: [String: String] = {
        let forms: [(String, [String])] = [
            ("sky", ["sky", "skies"]), ("die", ["dying"]), ("lie", ["lying"]), ("tie", ["tying"]),
            ("news", ["news"]), ("inning", ["innings", "inning"]), ("outing", ["outings", "outing"]),
            ("canning", ["cannings", "canning"]), ("howe", ["howe"]), ("proceed", ["proceed"]),
            ("exceed", ["exceed"]), ("succeed", ["succeed"]),
        ]
        var pool = [String: String]()
        for (stem, words) in forms { for word in words { pool[word] = stem } }
        return pool
    }()

    package init() {}

    /// `PorterStemmer().stem(word)`: lower-cases (Python's `str.lower`), looks the word up in the
    /// irregular forms, leaves words of at most two characters, then runs the steps.
    package func stem(_ word: String) -> String {
        let lowered = word.lowercased()
        if let irregular = Self.irregularForms[lowered] { return irregular }
        var w = Word(lowered)
        if word.unicodeScalars.count <= 2 { return lowered }
        w = step1a(w); w = step1b(w); w = step1c(w)
        w = step2(w); w = step3(w); w = step4(w)
        w = step5a(w); w = step5b(w)
        return w.string
    }

    // MARK: - The word and its predicates

    /// A word as Unicode scalars (Python indexes strings by code point).
    struct Word: Equatable {
        var scalars: [Unicode.Scalar]

        init(_ string: String) { scalars = Array(string.unicodeScalars) }
        init(_ scalars: ArraySlice<Unicode.Scalar>) { self.scalars = Array(scalars) }

        var string: String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars)
            return String(s)
        }
        var count: Int { scalars.count }
        var last: Unicode.Scalar? { scalars.last }

        func endsWith(_ suffix: String) -> Bool {
            let tail = Array(suffix.unicodeScalars)
            return tail.count <= scalars.count && Array(scalars.suffix(tail.count)) == tail
        }
        /// The word without its last `n` scalars.
        func dropping(_ n: Int) -> Word { Word(scalars.dropLast(n)) }
        func appending(_ suffix: String) -> Word {
            var w = self
            w.scalars.append(contentsOf: suffix.unicodeScalars)
            return w
        }
        /// `word[:-len(suffix)] + replacement`.
        func replacingSuffix(_ suffix: String, with replacement: String) -> Word {
            dropping(suffix.unicodeScalars.count).appending(replacement)
        }

        static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u"]

        /// Consonant flags in one pass: y is a consonant iff it starts the word or follows a vowel.
        var consonantFlags: [Bool] {
            var flags = [Bool]()
            flags.reserveCapacity(scalars.count)
            for (i, c) in scalars.enumerated() {
                if Self.vowels.contains(c) {
                    flags.append(false)
                } else if c == "y" {
                    flags.append(i == 0 ? true : !flags[i - 1])
                } else {
                    flags.append(true)
                }
            }
            return flags
        }
        func isConsonant(_ i: Int) -> Bool { consonantFlags[i] }

        /// m: the number of "vc" pairs in the consonant/vowel pattern.
        var measure: Int {
            let flags = consonantFlags
            var m = 0
            for i in flags.indices.dropFirst() where !flags[i - 1] && flags[i] { m += 1 }
            return m
        }
        var containsVowel: Bool { consonantFlags.contains(false) }
        /// *d: ends with a double consonant.
        var endsDoubleConsonant: Bool {
            count >= 2 && scalars[count - 1] == scalars[count - 2] && isConsonant(count - 1)
        }
        /// *o: ends consonant–vowel–consonant, the last not w, x or y; or (NLTK) is a two-letter
        /// vowel–consonant word.
        var endsCVC: Bool {
            let flags = consonantFlags
            if count >= 3 && flags[count - 3] && !flags[count - 2] && flags[count - 1]
                && !["w", "x", "y"].contains(scalars[count - 1])
            {
                return true
            }
            return count == 2 && !flags[0] && flags[1]
        }
    }

    /// A suffix rule: suffix → replacement if the condition holds for the stem (nil: always).
    /// The suffix "*d" stands for any double consonant (two letters removed).
    struct Rule {
        let suffix: String
        let replacement: String
        let condition: ((Word) -> Bool)?
        init(_ suffix: String, _ replacement: String, _ condition: ((Word) -> Bool)? = nil) {
            self.suffix = suffix
            self.replacement = replacement
            self.condition = condition
        }
    }

    /// The first rule whose suffix matches decides: replaced if its condition holds, else the word
    /// is returned unchanged (`_apply_rule_list`).
    func applyFirstMatching(_ word: Word, _ rules: [Rule]) -> Word {
        for rule in rules {
            if rule.suffix == "*d" && word.endsDoubleConsonant {
                let stem = word.dropping(2)
                return rule.condition.map { $0(stem) } ?? true ? stem.appending(rule.replacement) : word
            }
            if word.endsWith(rule.suffix) {
                let stem = word.dropping(rule.suffix.unicodeScalars.count)
                return rule.condition.map { $0(stem) } ?? true ? stem.appending(rule.replacement) : word
            }
        }
        return word
    }

    static let positiveMeasure: @Sendable (Word) -> Bool = { $0.measure > 0 }
    static let measureAboveOne: @Sendable (Word) -> Bool = { $0.measure > 1 }

    // MARK: - Steps

    /// 1a: sses → ss, ies → i, ss → ss, s → ""; NLTK: a four-letter "…ies" → "…ie".
    func step1a(_ word: Word) -> Word {
        if word.endsWith("ies") && word.count == 4 { return word.replacingSuffix("ies", with: "ie") }
        return applyFirstMatching(word, [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")])
    }

    /// 1b: (m>0) eed → ee; (*v*) ed, ing → "" and then at → ate, bl → ble, iz → ize, a double
    /// consonant other than l, s, z → single, (m=1 and *o) → +e. NLTK: ied → ie (four letters) or i.
    func step1b(_ word: Word) -> Word {
        if word.endsWith("ied") {
            return word.replacingSuffix("ied", with: word.count == 4 ? "ie" : "i")
        }
        if word.endsWith("eed") {
            let stem = word.dropping(3)
            return stem.measure > 0 ? stem.appending("ee") : word
        }
        var intermediate: Word?
        for suffix in ["ed", "ing"] where word.endsWith(suffix) {
            let stem = word.dropping(suffix.unicodeScalars.count)
            if stem.containsVowel {
                intermediate = stem
                break
            }
        }
        guard let stem = intermediate else { return word }
        let lastLetter = stem.last.map { String($0) } ?? ""
        return applyFirstMatching(
            stem,
            [
                Rule("at", "ate"), Rule("bl", "ble"), Rule("iz", "ize"),
                Rule("*d", lastLetter) { _ in !["l", "s", "z"].contains(lastLetter) },
                Rule("", "e") { $0.measure == 1 && $0.endsCVC },
            ])
    }

    /// 1c (NLTK): y → i when the stem has more than one letter and ends with a consonant.
    func step1c(_ word: Word) -> Word {
        applyFirstMatching(word, [Rule("y", "i") { $0.count > 1 && $0.isConsonant($0.count - 1) }])
    }

    /// 2: (m>0) ational → ate, tional → tion, enci → ence, anci → ance, izer → ize, bli → ble,
    /// alli → al, entli → ent, eli → e, ousli → ous, ization → ize, ation → ate, ator → ate,
    /// alism → al, iveness → ive, fulness → ful, ousness → ous, aliti → al, iviti → ive,
    /// biliti → ble, fulli → ful, logi → log (m of the word minus "ogi" > 0); NLTK first turns
    /// (m>0) alli → al and repeats the step.
    func step2(_ word: Word) -> Word {
        if word.endsWith("alli") && word.dropping(4).measure > 0 {
            return step2(word.replacingSuffix("alli", with: "al"))
        }
        let m = Self.positiveMeasure
        return applyFirstMatching(
            word,
            [
                Rule("ational", "ate", m), Rule("tional", "tion", m), Rule("enci", "ence", m),
                Rule("anci", "ance", m), Rule("izer", "ize", m), Rule("bli", "ble", m),
                Rule("alli", "al", m), Rule("entli", "ent", m), Rule("eli", "e", m),
                Rule("ousli", "ous", m), Rule("ization", "ize", m), Rule("ation", "ate", m),
                Rule("ator", "ate", m), Rule("alism", "al", m), Rule("iveness", "ive", m),
                Rule("fulness", "ful", m), Rule("ousness", "ous", m), Rule("aliti", "al", m),
                Rule("iviti", "ive", m), Rule("biliti", "ble", m), Rule("fulli", "ful", m),
                Rule("logi", "log") { _ in word.dropping(3).measure > 0 },
            ])
    }

    /// 3: (m>0) icate → ic, ative → "", alize → al, iciti → ic, ical → ic, ful → "", ness → "".
    func step3(_ word: Word) -> Word {
        let m = Self.positiveMeasure
        return applyFirstMatching(
            word,
            [
                Rule("icate", "ic", m), Rule("ative", "", m), Rule("alize", "al", m),
                Rule("iciti", "ic", m), Rule("ical", "ic", m), Rule("ful", "", m), Rule("ness", "", m),
            ])
    }

    /// 4: (m>1) al, ance, ence, er, ic, able, ible, ant, ement, ment, ent, ion (after s or t), ou,
    /// ism, ate, iti, ous, ive, ize → "".
    func step4(_ word: Word) -> Word {
        let m = Self.measureAboveOne
        return applyFirstMatching(
            word,
            [
                Rule("al", "", m), Rule("ance", "", m), Rule("ence", "", m), Rule("er", "", m),
                Rule("ic", "", m), Rule("able", "", m), Rule("ible", "", m), Rule("ant", "", m),
                Rule("ement", "", m), Rule("ment", "", m), Rule("ent", "", m),
                Rule("ion", "") { $0.measure > 1 && ["s", "t"].contains($0.last) },
                Rule("ou", "", m), Rule("ism", "", m), Rule("ate", "", m), Rule("iti", "", m),
                Rule("ous", "", m), Rule("ive", "", m), Rule("ize", "", m),
            ])
    }

    /// 5a: (m>1) e → ""; (m=1 and not *o) e → "".
    func step5a(_ word: Word) -> Word {
        guard word.endsWith("e") else { return word }
        let stem = word.dropping(1)
        let m = stem.measure
        return m > 1 || (m == 1 && !stem.endsCVC) ? stem : word
    }

    /// 5b: (m>1 of the word minus one letter, *d and *l) ll → l.
    func step5b(_ word: Word) -> Word {
        applyFirstMatching(word, [Rule("ll", "l") { _ in word.dropping(1).measure > 1 }])
    }
}
