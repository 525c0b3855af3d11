/// One question–answer pair as TOFU stores it (`question`, `answer`), with the optional fields of
/// the `*_perturbed.json` files.
package struct QASample: Codable, Equatable, Sendable {
    package var question: String
    package var answer: String
    package var paraphrasedAnswer: String?
    package var perturbedAnswers: [String]?
    package var paraphrasedQuestion: String?

    package init(
        question: String, answer: String, paraphrasedAnswer: String? = nil,
        perturbedAnswers: [String]? = nil, paraphrasedQuestion: String? = nil
    ) {
        self.question = question
        self.answer = answer
        self.paraphrasedAnswer = paraphrasedAnswer
        self.perturbedAnswers = perturbedAnswers
        self.paraphrasedQuestion = paraphrasedQuestion
    }

    enum CodingKeys: String, CodingKey {
        case question, answer
        case paraphrasedAnswer = "paraphrased_answer"
        case perturbedAnswers = "perturbed_answer"
        case paraphrasedQuestion = "paraphrased_question"
    }
}
