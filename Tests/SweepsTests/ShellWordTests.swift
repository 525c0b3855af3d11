import Testing

import Sweeps

@Suite("Shell words")
struct ShellWordTests {
    @Test func plainWordsStayAndOthersAreSingleQuoted() {
        #expect(ShellWord.quoted("runs/sweep-1/0003-beta=2.5") == "runs/sweep-1/0003-beta=2.5")
        #expect(ShellWord.quoted("") == "''")
        #expect(ShellWord.quoted("a b") == "'a b'")
        #expect(ShellWord.quoted("it's $(rm -rf /)") == "'it'\\''s $(rm -rf /)'")
        #expect(ShellWord.commandLine(["echo", "a;b", "c"]) == "echo 'a;b' c")
    }
}
