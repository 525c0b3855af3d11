/// Learns the merges of a `BPETokenizer` from texts, deterministically: the same texts and
/// vocabulary size always give the same merges, whatever the order of the texts.
///
/// Algorithm:
/// 1. Split every text into chunks with `PreTokenizer` and count each distinct chunk; a chunk is
///    a "word" of byte ids with a frequency.
/// 2. Count every adjacent pair of ids over the words (weighted by frequency), and index for each
///    pair the words that contain it.
/// 3. Repeat: take the most frequent pair, ties broken by the smaller (left id, right id); stop
///    when it occurs fewer than twice or when `vocabSize − 259` merges are learned. Record it as
///    the next merge (new id 256 + rank), and in each word that contains it replace its
///    non-overlapping occurrences, left to right, by the new id.
///    Only those words' pairs change: their old pairs are subtracted from the counts and their
///    new pairs added, and the words are indexed under the new pairs. Nothing is recounted.
///    The most frequent pair comes from a max-heap of (count, pair) entries that is pushed to
///    whenever a count grows; a popped entry whose count is out of date is pushed back with the
///    current count (counts of other pairs only shrink, so the top valid entry is the maximum).
package enum BPETrainer {
    /// Progress of training: merges learned so far, merges wanted, count of the latest merge.
    package typealias Progress = (_ learned: Int, _ wanted: Int, _ count: Int) -> Void

    /// Learns up to `vocabSize − 259` merges from `texts` (fewer when no pair occurs twice).
    /// `vocabSize` counts the 256 bytes, the merges and the 3 special tokens (at least 259).
    /// `progress` is called every `progressEvery` merges and after the last one.
    package static func train(
        texts: some Sequence<String>, vocabSize: Int, progressEvery: Int = 256,
        progress: Progress? = nil
    ) -> BPETokenizer {
        precondition(vocabSize >= 259, "a byte-level BPE vocabulary has at least 256 bytes + 3 special tokens")
        let wanted = vocabSize - 259

        // 1. Distinct chunks and their counts, in byte order.
        var chunkCounts: [ArraySlice<UInt8>: Int] = [:]
        for text in texts {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buffer in
                PreTokenizer.forEachChunk(in: buffer) { chunkCounts[bytes[$0], default: 0] += 1 }
            }
        }
        let distinct = chunkCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var words: [[Int32]] = distinct.map { $0.key.map { Int32($0) } }
        let frequency: [Int] = distinct.map(\.value)
        chunkCounts = [:]

        // 2. Pair counts and the pair → words index.
        var counts: [UInt64: Int] = [:]
        var wordsWith: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count >= 2 {
            for i in 0..<(word.count - 1) {
                let key = BPEPair(word[i], word[i + 1]).key
                counts[key, default: 0] += frequency[w]
                if wordsWith[key]?.last != Int32(w) { wordsWith[key, default: []].append(Int32(w)) }
            }
        }
        var heap = PairHeap()
        for (key, count) in counts { heap.push(count: count, key: key) }

        // 3. Merge.
        var merges: [BPEPair] = []
        merges.reserveCapacity(wanted)
        var visited = [Int](repeating: -1, count: words.count)
        var delta: [UInt64: Int] = [:]
        while merges.count < wanted, let top = heap.pop() {
            let current = counts[top.key] ?? 0
            if top.count != current {
                if current > 0 && top.count > current { heap.push(count: current, key: top.key) }
                continue
            }
            if current < 2 { break }
            let pair = BPEPair(Int32(truncatingIfNeeded: top.key >> 32), Int32(truncatingIfNeeded: top.key))
            let merged = Int32(256 + merges.count)
            merges.append(pair)
            let stamp = merges.count
            delta.removeAll(keepingCapacity: true)
            for w32 in wordsWith.removeValue(forKey: top.key) ?? [] {
                let w = Int(w32)
                if visited[w] == stamp { continue }
                visited[w] = stamp
                let old = words[w], f = frequency[w]
                var new: [Int32] = []
                new.reserveCapacity(old.count)
                var i = 0
                while i < old.count {
                    if i + 1 < old.count, old[i] == pair.left, old[i + 1] == pair.right {
                        new.append(merged); i += 2
                    } else {
                        new.append(old[i]); i += 1
                    }
                }
                if new.count == old.count { continue }   // stale index entry
                for i in 0..<(old.count - 1) { delta[BPEPair(old[i], old[i + 1]).key, default: 0] -= f }
                if new.count >= 2 {
                    for i in 0..<(new.count - 1) {
                        let key = BPEPair(new[i], new[i + 1]).key
                        delta[key, default: 0] += f
                        if new[i] == merged || new[i + 1] == merged, wordsWith[key]?.last != w32 {
                            wordsWith[key, default: []].append(w32)
                        }
                    }
                }
                words[w] = new
            }
            for (key, d) in delta where d != 0 {
                let c = (counts[key] ?? 0) + d
                if c > 0 { counts[key] = c } else { counts.removeValue(forKey: key) }
                if d > 0 { heap.push(count: c, key: key) }
            }
            if let progress, merges.count % progressEvery == 0 { progress(merges.count, wanted, current) }
        }
        if let progress, merges.count % progressEvery != 0 { progress(merges.count, wanted, 0) }
        return BPETokenizer(merges: merges)
    }
}

/// A binary max-heap of (count, pair key): larger count first, then the smaller key.
struct PairHeap {
    private var items: [(count: Int, key: UInt64)] = []

    private static func above(_ a: (count: Int, key: UInt64), _ b: (count: Int, key: UInt64)) -> Bool {
        a.count != b.count ? a.count > b.count : a.key < b.key
    }

    mutating func push(count: Int, key: UInt64) {
        items.append((count, key))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !Self.above(items[i], items[parent]) { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (count: Int, key: UInt64)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count, Self.above(items[l], items[best]) { best = l }
                if r < items.count, Self.above(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
