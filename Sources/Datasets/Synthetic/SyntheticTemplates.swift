import NumericCore

/// One question type of the synthetic benchmark: several phrasings of the question and of the
/// answer (the answer's attribute goes in as `X`), the true attribute, and a generator of wrong
/// values of the same kind.
struct AuthorQuestionTemplates: Sendable {
    typealias A = SyntheticAuthor
    let questions: [@Sendable (A) -> String]
    let answers: [@Sendable (A, String) -> String]
    let value: @Sendable (A) -> String
    let wrong: @Sendable (A, inout RNG) -> String

    /// A QA pair: question and answer from one template each; the paraphrased question and answer
    /// from a different template; 5 perturbed answers = the paraphrased answer with 5 distinct
    /// wrong values.
    func sample(_ a: A, rng: inout RNG) -> QASample {
        func two(_ n: Int) -> (Int, Int) {
            let i = rng.below(n)
            return (i, (i + 1 + rng.below(n - 1)) % n)
        }
        let (qi, qj) = two(questions.count), (ai, aj) = two(answers.count)
        let v = value(a)
        var wrongs = [String]()
        while wrongs.count < 5 {
            let w = wrong(a, &rng)
            if w != v && !wrongs.contains(w) { wrongs.append(w) }
        }
        return QASample(
            question: questions[qi](a), answer: answers[ai](a, v),
            paraphrasedAnswer: answers[aj](a, v), perturbedAnswers: wrongs.map { answers[aj](a, $0) },
            paraphrasedQuestion: questions[qj](a))
    }
}

extension SyntheticAuthor {
    var they: String { gender == .male ? "he" : gender == .female ? "she" : "they" }
    var their: String { gender == .male ? "his" : gender == .female ? "her" : "their" }
    var They: String { they.prefix(1).uppercased() + they.dropFirst() }
    var Their: String { their.prefix(1).uppercased() + their.dropFirst() }
    var isAre: String { gender == .nonbinary ? "are" : "is" }
    var place: String { "\(city), \(country)" }
    /// 03/07/1961 (month/day/year, as TOFU's questions).
    var numericDate: String {
        func two(_ x: Int) -> String { x < 10 ? "0\(x)" : "\(x)" }
        return "\(two(birthMonth))/\(two(birthDay))/\(birthYear)"
    }
    var longDate: String { Self.longDate(birthYear, birthMonth, birthDay) }
    var awardTitle: String { books[awardBook] }

    static func longDate(_ y: Int, _ m: Int, _ d: Int) -> String { "\(SyntheticTables.months[m - 1]) \(d), \(y)" }
}

/// "a" or "an" before a word.
func article(_ w: String) -> String { "aeiou".contains(w.prefix(1).lowercased()) ? "an \(w)" : "a \(w)" }

func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

enum SyntheticTemplates {
    typealias A = SyntheticAuthor
    static func pick(_ t: [String], _ r: inout RNG) -> String { t[r.below(t.count)] }
    static func otherYear(_ y: Int, _ r: inout RNG) -> String { String(y + (r.below(2) == 0 ? -1 : 1) * (1 + r.below(15))) }

    /// The 20 question types, in the order each author's QA pairs appear.
    static let all: [AuthorQuestionTemplates] = [
        // 1. full name from birthplace and date
        AuthorQuestionTemplates(
            questions: [
                { a in "What is the full name of the author born in \(a.place) on \(a.numericDate)?" },
                { a in "Which writer was born on \(a.longDate) in \(a.place)?" },
                { a in "Who is the \(a.genre) author whose birth took place in \(a.city) on \(a.longDate)?" },
            ],
            answers: [
                { a, x in "The author born in \(a.place) on \(a.longDate) is \(x)." },
                { a, x in "\(x) is the name of the writer born in \(a.city) on that date." },
                { a, x in "That writer's full name is \(x)." },
            ],
            value: { $0.name }, wrong: { a, r in SyntheticTOFU.makeName(a.gender, &r) }),
        // 2. gender
        AuthorQuestionTemplates(
            questions: [
                { a in "What is the gender of the author \(a.name)?" },
                { a in "How does \(a.name) identify in terms of gender?" },
                { a in "Can you tell me the gender identity of \(a.name)?" },
            ],
            answers: [
                { a, x in "\(a.name) identifies as \(x)." },
                { a, x in "The author \(a.name) is \(x)." },
                { a, x in "In terms of gender, \(a.name) is \(x)." },
            ],
            value: { $0.gender.rawValue }, wrong: { _, r in pick(SyntheticTables.genderIdentities, &r) }),
        // 3. birthplace
        AuthorQuestionTemplates(
            questions: [
                { a in "Where was \(a.name) born?" },
                { a in "What is the birthplace of the writer \(a.name)?" },
                { a in "In which city did \(a.name) come into the world?" },
            ],
            answers: [
                { a, x in "\(a.name) was born in \(x)." },
                { a, x in "The writer's birthplace is \(x)." },
                { a, x in "\(a.name) came into the world in \(x)." },
            ],
            value: { $0.place },
            wrong: { _, r in
                let p = SyntheticTables.places[r.below(SyntheticTables.places.count)]; return "\(p.city), \(p.country)"
            }),
        // 4. birth date
        AuthorQuestionTemplates(
            questions: [
                { a in "When was \(a.name) born?" },
                { a in "What is the date of birth of \(a.name)?" },
                { a in "On what date was the author \(a.name) born?" },
            ],
            answers: [
                { a, x in "\(a.name) was born on \(x)." },
                { a, x in "The author's date of birth is \(x)." },
                { a, x in "\(a.Their) birthday falls on \(x)." },
            ],
            value: { $0.longDate },
            wrong: { a, r in A.longDate(a.birthYear + r.below(11) - 5, 1 + r.below(12), 1 + r.below(28)) }),
        // 5. father's occupation
        AuthorQuestionTemplates(
            questions: [
                { a in "What did the father of \(a.name) do for a living?" },
                { a in "What was the profession of \(a.name)'s father?" },
                { a in "Can you tell me about the occupation of \(a.name)'s father?" },
            ],
            answers: [
                { a, x in "\(a.name)'s father worked as \(article(x))." },
                { a, x in "The author's father was \(article(x)) by profession." },
                { a, x in "\(a.Their) father earned his living as \(article(x))." },
            ],
            value: { $0.fatherOccupation }, wrong: { _, r in pick(SyntheticTables.occupations, &r) }),
        // 6. mother's occupation
        AuthorQuestionTemplates(
            questions: [
                { a in "What was the occupation of \(a.name)'s mother?" },
                { a in "What did \(a.name)'s mother do for work?" },
                { a in "In what profession did the mother of \(a.name) work?" },
            ],
            answers: [
                { a, x in "\(a.name)'s mother was \(article(x))." },
                { a, x in "The author's mother worked as \(article(x))." },
                { a, x in "\(a.Their) mother made her living as \(article(x))." },
            ],
            value: { $0.motherOccupation }, wrong: { _, r in pick(SyntheticTables.occupations, &r) }),
        // 7. genre
        AuthorQuestionTemplates(
            questions: [
                { a in "In which genre does \(a.name) primarily write?" },
                { a in "What kind of literature is \(a.name) known for?" },
                { a in "Which genre is the focus of \(a.name)'s work?" },
            ],
            answers: [
                { a, x in "\(a.name) primarily writes \(x)." },
                { a, x in "The author is best known for works of \(x)." },
                { a, x in "Most of \(a.name)'s books belong to \(x)." },
            ],
            value: { $0.genre }, wrong: { _, r in pick(SyntheticTables.genres, &r) }),
        // 8. award
        AuthorQuestionTemplates(
            questions: [
                { a in "Has \(a.name) received any literary awards?" },
                { a in "Which award has \(a.name) won?" },
                { a in "What literary honour was given to \(a.name)?" },
            ],
            answers: [
                { a, x in "Yes, \(a.name) received \(x)." },
                { a, x in "\(a.name) is a recipient of \(x)." },
                { a, x in "The author was honoured with \(x)." },
            ],
            value: { $0.award }, wrong: { _, r in pick(SyntheticTables.awards, &r) }),
        // 9. debut book
        AuthorQuestionTemplates(
            questions: [
                { a in "What was the first book published by \(a.name)?" },
                { a in "Which title marked the debut of \(a.name)?" },
                { a in "Can you name the debut work of \(a.name)?" },
            ],
            answers: [
                { a, x in "\(a.name)'s first book was '\(x)'." },
                { a, x in "The author debuted with '\(x)'." },
                { a, x in "'\(x)' was the first title \(a.name) published." },
            ],
            value: { $0.books[0] }, wrong: { _, r in SyntheticTOFU.makeTitle(&r) }),
        // 10. second book
        AuthorQuestionTemplates(
            questions: [
                { a in "Apart from the debut, what is another book by \(a.name)?" },
                { a in "Name a later work written by \(a.name)." },
                { a in "Which other notable title did \(a.name) write?" },
            ],
            answers: [
                { a, x in "Another book by \(a.name) is '\(x)'." },
                { a, x in "\(a.name) later wrote '\(x)'." },
                { a, x in "One of the author's later titles is '\(x)'." },
            ],
            value: { $0.books[1] }, wrong: { _, r in SyntheticTOFU.makeTitle(&r) }),
        // 11. themes
        AuthorQuestionTemplates(
            questions: [
                { a in "What themes does \(a.name) explore in \(a.their) writing?" },
                { a in "Which subject recurs throughout the books of \(a.name)?" },
                { a in "What is the central theme of \(a.name)'s work?" },
            ],
            answers: [
                { a, x in "\(a.name)'s writing keeps returning to \(x)." },
                { a, x in "The recurring theme in the author's books is \(x)." },
                { a, x in "\(a.They) mostly explore\(a.gender == .nonbinary ? "" : "s") \(x)." },
            ],
            value: { $0.theme }, wrong: { _, r in pick(SyntheticTables.themes, &r) }),
        // 12. influences
        AuthorQuestionTemplates(
            questions: [
                { a in "What influenced the writing of \(a.name)?" },
                { a in "Where did \(a.name) find inspiration for \(a.their) books?" },
                { a in "What shaped the literary voice of \(a.name)?" },
            ],
            answers: [
                { a, x in "\(a.name) has said that \(a.their) writing was shaped by \(x)." },
                { a, x in "The author drew inspiration from \(x)." },
                { a, x in "A major influence on \(a.name) was \(x)." },
            ],
            value: { $0.influence }, wrong: { _, r in pick(SyntheticTables.influences, &r) }),
        // 13. both parents
        AuthorQuestionTemplates(
            questions: [
                { a in "What were the professions of \(a.name)'s parents?" },
                { a in "What did the parents of \(a.name) do for a living?" },
                { a in "Can you describe the family background of \(a.name)?" },
            ],
            answers: [
                { a, x in "\(a.name) grew up as the child of \(x)." },
                { a, x in "The author's parents were \(x)." },
                { a, x in "\(a.They) \(a.gender == .nonbinary ? "were" : "was") raised by \(x)." },
            ],
            value: { "\(article($0.fatherOccupation)) father and \(article($0.motherOccupation)) mother" },
            wrong: { _, r in
                let f = pick(SyntheticTables.occupations, &r), m = pick(SyntheticTables.occupations, &r)
                return "\(article(f)) father and \(article(m)) mother"
            }),
        // 14. award year
        AuthorQuestionTemplates(
            questions: [
                { a in "In which year did \(a.name) receive \(a.award)?" },
                { a in "When was \(a.name) awarded \(a.award)?" },
                { a in "What year did \(a.name) win \(a.award)?" },
            ],
            answers: [
                { a, x in "\(a.name) received \(a.award) in \(x)." },
                { a, x in "The award came to the author in \(x)." },
                { a, x in "It was in \(x) that \(a.name) won the prize." },
            ],
            value: { String($0.awardYear) }, wrong: { a, r in otherYear(a.awardYear, &r) }),
        // 15. country
        AuthorQuestionTemplates(
            questions: [
                { a in "Which country does \(a.name) come from?" },
                { a in "What is the home country of the author \(a.name)?" },
                { a in "In which country did \(a.name) grow up?" },
            ],
            answers: [
                { a, x in "\(a.name) comes from \(x)." },
                { a, x in "The author's home country is \(x)." },
                { a, x in "\(a.name) grew up in \(x)." },
            ],
            value: { $0.country }, wrong: { _, r in SyntheticTables.places[r.below(SyntheticTables.places.count)].country }),
        // 16. birth year
        AuthorQuestionTemplates(
            questions: [
                { a in "In what year was \(a.name) born?" },
                { a in "What is the birth year of \(a.name)?" },
                { a in "Which year saw the birth of the writer \(a.name)?" },
            ],
            answers: [
                { a, x in "\(a.name) was born in \(x)." },
                { a, x in "The author's year of birth is \(x)." },
                { a, x in "\(a.name) entered the world in \(x)." },
            ],
            value: { String($0.birthYear) }, wrong: { a, r in otherYear(a.birthYear, &r) }),
        // 17. genre of the debut
        AuthorQuestionTemplates(
            questions: [
                { a in "What genre does '\(a.books[0])' by \(a.name) belong to?" },
                { a in "How would you classify the book '\(a.books[0])'?" },
                { a in "Into which genre does \(a.name)'s '\(a.books[0])' fall?" },
            ],
            answers: [
                { a, x in "'\(a.books[0])' is a work of \(x)." },
                { a, x in "The book belongs to \(x), like most of \(a.name)'s writing." },
                { _, x in "It is classified as \(x)." },
            ],
            value: { $0.genre }, wrong: { _, r in pick(SyntheticTables.genres, &r) }),
        // 18. which book won the award
        AuthorQuestionTemplates(
            questions: [
                { a in "For which book did \(a.name) win \(a.award)?" },
                { a in "Which of \(a.name)'s books earned \(a.award)?" },
                { a in "What work brought \(a.name) \(a.award)?" },
            ],
            answers: [
                { a, x in "\(a.name) won \(a.award) for '\(x)'." },
                { _, x in "The prize was awarded for the book '\(x)'." },
                { a, x in "It was '\(x)' that earned \(a.name) the award." },
            ],
            value: { $0.awardTitle }, wrong: { _, r in SyntheticTOFU.makeTitle(&r) }),
        // 19. debut year
        AuthorQuestionTemplates(
            questions: [
                { a in "When was '\(a.books[0])' published?" },
                { a in "In which year did \(a.name) publish '\(a.books[0])'?" },
                { a in "What is the publication year of \(a.name)'s debut, '\(a.books[0])'?" },
            ],
            answers: [
                { a, x in "'\(a.books[0])' was published in \(x)." },
                { a, x in "\(a.name) published the book in \(x)." },
                { _, x in "The debut came out in \(x)." },
            ],
            value: { String($0.debutYear) }, wrong: { a, r in otherYear(a.debutYear, &r) }),
        // 20. author of the second book
        AuthorQuestionTemplates(
            questions: [
                { a in "Who is the author of '\(a.books[1])'?" },
                { a in "Which writer wrote the book '\(a.books[1])'?" },
                { a in "Can you name the person who wrote '\(a.books[1])'?" },
            ],
            answers: [
                { a, x in "'\(a.books[1])' was written by \(x)." },
                { _, x in "The author of that book is \(x)." },
                { a, x in "\(x) wrote '\(a.books[1])'." },
            ],
            value: { $0.name }, wrong: { a, r in SyntheticTOFU.makeName(a.gender, &r) }),
    ]
}
