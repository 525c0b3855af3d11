/// Raw texts as samples whose loss covers every token: the data of raw-text unlearning (MUSE's
/// news and books, WMDP's forget corpora).
///
/// A text is encoded with the run's tokenizer (no special tokens) into `t_1 … t_n` and cut into
/// consecutive windows of at most `maxLength` tokens, as MUSE's data pipeline does (never
/// truncated: every token of the text is in exactly one window). Each window is one sample,
///
///     ids = [begin] + t_{k+1} … t_{k+m},   m = min(maxLength, n − k),   k = 0, maxLength, 2·maxLength, …
///
/// with the mask 1 on every target: the model reads `begin t_{k+1} … t_{k+m−1}` and the loss is
/// `−Σ_{j=1..m} log p(t_{k+j} | begin, t_{k+1} … t_{k+j−1})` over the window's `m` tokens, so
/// every token of the text is predicted once (the first from `begin` alone, as MUSE's windows,
/// which each start with the begin token, are). No end token is appended: a corpus text does not
/// end where a document ends.
package struct TextWindowFormatter: Sendable {
    /// The tokenizer (its begin token starts every window).
    package let tokenizer: any TextTokenizer
    /// The most tokens of text in one window (a window's `length`, the inputs the model sees).
    package let maxLength: Int

    /// A formatter; `maxLength` must be at least 1.
    package init(tokenizer: any TextTokenizer, maxLength: Int) {
        precondition(maxLength >= 1, "maxLength must be at least 1")
        self.tokenizer = tokenizer
        self.maxLength = maxLength
    }

    /// The windows of one text, in order (none for a text that encodes to no token).
    package func windows(_ text: String) -> [FormattedSample] {
        let tokens = tokenizer.encode(text)
        let begin = tokenizer.special.begin
        return stride(from: 0, to: tokens.count, by: maxLength).map { start in
            let ids = [begin] + tokens[start..<min(start + maxLength, tokens.count)]
            return FormattedSample(ids: ids, answerRange: 1..<ids.count)
        }
    }

    /// The windows of every text, text after text, and for each window the index of its text.
    package func format(_ texts: [String]) -> (samples: [FormattedSample], textIndex: [Int]) {
        var samples: [FormattedSample] = [], textIndex: [Int] = []
        for (i, text) in texts.enumerated() {
            let w = windows(text)
            samples += w
            textIndex += Array(repeating: i, count: w.count)
        }
        return (samples, textIndex)
    }
}
