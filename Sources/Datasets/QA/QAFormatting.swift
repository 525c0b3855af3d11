/// The text put before an answer: a template in which `{question}` stands for the question.
/// The default, `"Question: {question}\nAnswer: "`, makes the text `Question: {q}\nAnswer: {a}`.
package struct QATemplate: Codable, Equatable, Sendable {
    /// The prefix template; every `{question}` is replaced by the question.
    package var prefix: String
    /// Text put before the answer and encoded with it (so it is part of the answer's tokens): `" "`
    /// for the plain format of pretrained tokenizers, whose answer tokens start with a space.
    package var answerLead: String
    /// Whether the question and the answer are trimmed first (Llama 3's template applies Jinja's
    /// `trim` to every message).
    package var trimsContent: Bool

    /// A template; `prefix` should contain `{question}`.
    package init(prefix: String, answerLead: String = "", trimsContent: Bool = false) {
        self.prefix = prefix
        self.answerLead = answerLead
        self.trimsContent = trimsContent
    }

    /// Reads `prefix`, and `answer_lead` and `trims_content` when present.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        prefix = try c.decode(String.self, forKey: .prefix)
        answerLead = try c.decodeIfPresent(String.self, forKey: .answerLead) ?? ""
        trimsContent = try c.decodeIfPresent(Bool.self, forKey: .trimsContent) ?? false
    }

    enum CodingKeys: String, CodingKey {
        case prefix, answerLead = "answer_lead", trimsContent = "trims_content"
    }

    /// `"Question: {question}\nAnswer: "`.
    package static let standard = QATemplate(prefix: "Question: {question}\nAnswer: ")

    /// The prefix text for one question (trimmed first when `trimsContent`).
    package func prefix(for question: String) -> String {
        prefix.replacingOccurrences(of: "{question}", with: trimsContent ? ChatFormat.trimmed(question) : question)
    }

    /// The text encoded as the answer: `answerLead` + the answer (trimmed first when `trimsContent`).
    package func answerText(_ answer: String) -> String {
        answerLead + (trimsContent ? ChatFormat.trimmed(answer) : answer)
    }
}

/// One QA item as token ids: `[begin] + encode(prefix) + encode(answerLead + answer) + [end]`, possibly cut.
///
/// The model reads `inputs = ids[..<(n-1)]` and predicts `targets = ids[1...]`; the loss mask is 1
/// exactly on the targets that are answer tokens or the end token (positions
/// `answerRange.lowerBound - 1 ..< n - 1`), 0 on those that predict the prefix.
package struct FormattedSample: Equatable, Sendable {
    /// All ids, begin and end tokens included.
    package let ids: [Int32]
    /// Where the answer tokens and the end token sit in `ids` (empty if truncation removed them).
    package let answerRange: Range<Int>
    /// Whether the end was cut to respect a maximum length (then the end token, and possibly part
    /// of the answer, are missing).
    package let truncated: Bool

    /// Builds a sample from its ids and answer span (`answerRange` must lie within `ids`).
    package init(ids: [Int32], answerRange: Range<Int>, truncated: Bool = false) {
        precondition(ids.count >= 2, "a formatted sample needs at least two ids")
        precondition(answerRange.lowerBound >= 1 && answerRange.upperBound <= ids.count)
        self.ids = ids
        self.answerRange = answerRange
        self.truncated = truncated
    }

    /// The sequence length the model sees: `ids.count - 1`.
    package var length: Int { ids.count - 1 }
    /// `ids` without the last id.
    package var inputs: ArraySlice<Int32> { ids.dropLast() }
    /// `ids` without the first id: the next token at every input position.
    package var targets: ArraySlice<Int32> { ids.dropFirst() }
    /// The targets the loss covers, as positions in `inputs`/`targets`.
    package var maskedPositions: Range<Int> {
        answerRange.isEmpty ? 0..<0 : (answerRange.lowerBound - 1)..<(answerRange.upperBound - 1)
    }
    /// 1 on the targets that are answer or end tokens, 0 elsewhere (`length` values).
    package var mask: [Float] {
        var m = [Float](repeating: 0, count: length)
        for i in maskedPositions { m[i] = 1 }
        return m
    }
    /// The number of tokens the loss covers (answer tokens plus the end token when present).
    package var answerTokenCount: Int { answerRange.count }
}

/// Turns QA items into `FormattedSample`s with a tokenizer and a template, optionally cutting
/// every sample to a maximum length.
package struct QAFormatter: Sendable {
    /// The tokenizer (its begin and end tokens frame every sample).
    package let tokenizer: any TextTokenizer
    /// The text before the answer.
    package let template: QATemplate
    /// The longest sequence the model may see (`length = ids.count - 1`); nil for no limit. Longer
    /// samples keep their first `maxLength + 1` ids.
    package let maxLength: Int?

    /// A formatter; `template` defaults to the tokenizer's own (`TextTokenizer.qaTemplate`);
    /// `maxLength`, when given, must be at least 1.
    package init(tokenizer: any TextTokenizer, template: QATemplate? = nil, maxLength: Int? = nil) {
        precondition(maxLength.map { $0 >= 1 } ?? true, "maxLength must be at least 1")
        self.tokenizer = tokenizer
        self.template = template ?? tokenizer.qaTemplate
        self.maxLength = maxLength
    }

    /// Formats a question with a given answer (the true one, a paraphrase, a perturbed one or a
    /// refusal).
    package func format(question: String, answer: String) -> FormattedSample {
        let special = tokenizer.special
        let prefix = tokenizer.encode(template.prefix(for: question))
        let answerIDs = tokenizer.encode(template.answerText(answer))
        var ids: [Int32] = []
        ids.reserveCapacity(prefix.count + answerIDs.count + 2)
        ids.append(special.begin)
        ids += prefix
        let answerStart = ids.count
        ids += answerIDs
        ids.append(special.end)
        var range = answerStart..<ids.count
        var truncated = false
        if let maxLength, ids.count > maxLength + 1 {
            ids.removeLast(ids.count - (maxLength + 1))
            range = min(range.lowerBound, ids.count)..<ids.count
            truncated = true
        }
        return FormattedSample(ids: ids, answerRange: range, truncated: truncated)
    }

    /// Formats a sample with its own answer.
    package func format(_ sample: QASample) -> FormattedSample {
        format(question: sample.question, answer: sample.answer)
    }

    /// Formats many samples and counts how many were cut.
    package func format(_ samples: [QASample]) -> FormattedSet {
        FormattedSet(samples: samples.map { format($0) })
    }
}

/// Formatted samples with the number that truncation cut.
package struct FormattedSet: Sendable {
    /// The samples, in the order of the input.
    package let samples: [FormattedSample]
    /// How many samples were cut to the maximum length.
    package var truncatedCount: Int { samples.reduce(0) { $0 + ($1.truncated ? 1 : 0) } }

    /// Wraps formatted samples.
    package init(samples: [FormattedSample]) { self.samples = samples }
}
