/// GPT-2's byte-to-character alphabet (`bytes_to_unicode` in OpenAI's encoder.py and Hugging Face's
/// `ByteLevel`): byte-level BPE vocabularies write each byte as one printable character, so that
/// tokens are readable strings without spaces or control characters.
///
/// The printable bytes `!`…`~` (33–126), `¡`…`¬` (161–172) and `®`…`ÿ` (174–255) stand for
/// themselves (the character with the same code point); the other 68 bytes, in increasing order,
/// get the characters U+0100, U+0101, …: so the space 0x20 is `Ġ` (U+0120) and `\n` is `Ċ` (U+010A).
package enum ByteLevelAlphabet {
    /// The character (Unicode scalar) of each byte.
    package static let characters: [Unicode.Scalar] = {
        var scalars = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                scalars[b] = Unicode.Scalar(UInt32(b))!
            } else {
                scalars[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return scalars
    }()

    /// The byte each alphabet character stands for.
    package static let bytes: [Unicode.Scalar: UInt8] = {
        var map: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in characters.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// The bytes of a token written in the alphabet, or nil if a character is not in it.
    package static func decode(_ token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard let b = bytes[s] else { return nil }
            out.append(b)
        }
        return out
    }

    /// Bytes written in the alphabet.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characters[Int(b)]) }
        return String(s)
    }
}
