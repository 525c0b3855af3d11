import Foundation
import Testing
import Store

@Suite("Attributes")
struct AttributeTests {
    @Test("every attribute kind round-trips on the root, a group and a dataset")
    func roundTrip() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "attributes.h5")
            do {
                let h5 = try H5File.create(file)
                let group = try h5.root.createGroup("run")
                let dataset = try group.write("loss", [Float(1), 2, 3])
                for object in [h5.root as H5Object, group, dataset] {
                    try object.setAttribute("text", "model: gpt2\nlr: 1e-5\n")
                    try object.setAttribute("empty", "")
                    try object.setAttribute("unicode", "Grüße, 世界 — ∇θ 🙂")
                    try object.setAttribute("texts", ["a", "", "ünï", "long " + String(repeating: "x", count: 5000)])
                    try object.setAttribute("noTexts", [String]())
                    try object.setAttribute("seed", 1234)
                    try object.setAttribute("negative", Int.min)
                    try object.setAttribute("ints", [0, -1, Int.max, 42])
                    try object.setAttribute("noInts", [Int]())
                    try object.setAttribute("lr", 1e-5)
                    try object.setAttribute("doubles", [0.5, -.infinity, .pi, 1e300])
                }
                try h5.close()
            }
            let h5 = try H5File.open(file)
            let objects: [H5Object] = [h5.root, try h5.root.group("run"), try h5.root.dataset("run/loss")]
            for object in objects {
                #expect(try object.stringAttribute("text") == "model: gpt2\nlr: 1e-5\n")
                #expect(try object.stringAttribute("empty") == "")
                #expect(try object.stringAttribute("unicode") == "Grüße, 世界 — ∇θ 🙂")
                #expect(
                    try object.stringArrayAttribute("texts") == ["a", "", "ünï", "long " + String(repeating: "x", count: 5000)])
                #expect(try object.stringArrayAttribute("noTexts") == [])
                #expect(try object.intAttribute("seed") == 1234)
                #expect(try object.intAttribute("negative") == Int.min)
                #expect(try object.intArrayAttribute("ints") == [0, -1, Int.max, 42])
                #expect(try object.intArrayAttribute("noInts") == [])
                #expect(try object.doubleAttribute("lr") == 1e-5)
                #expect(try object.doubleArrayAttribute("doubles") == [0.5, -.infinity, .pi, 1e300])
                #expect(
                    try object.attributeNames() == [
                        "doubles", "empty", "ints", "lr", "negative", "noInts",
                        "noTexts", "seed", "text", "texts", "unicode",
                    ])
                #expect(object.hasAttribute("seed"))
                #expect(!object.hasAttribute("missing"))
            }
        }
    }

    @Test("a scalar reads as a one-element array; setting again replaces, even with another kind")
    func replaceAndScalarAsArray() throws {
        try withTemporaryDirectory { directory in
            let h5 = try H5File.create(path(directory, "replace.h5"))
            try h5.root.setAttribute("x", 1)
            #expect(try h5.root.intArrayAttribute("x") == [1])
            try h5.root.setAttribute("x", "now a string")
            #expect(try h5.root.stringAttribute("x") == "now a string")
            #expect(try h5.root.stringArrayAttribute("x") == ["now a string"])
            try h5.root.setAttribute("x", [1.5, 2.5])
            #expect(try h5.root.doubleArrayAttribute("x") == [1.5, 2.5])
            #expect(try h5.root.attributeNames() == ["x"])
        }
    }

    @Test("large numeric array attributes work (dense attribute storage)")
    func largeAttribute() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "large.h5")
            let values = (0..<20_000).map { Double($0) / 7 }
            do {
                let h5 = try H5File.create(file)
                try h5.root.setAttribute("big", values)
            }
            #expect(try H5File.open(file).root.doubleArrayAttribute("big") == values)
        }
    }

    @Test("attribute errors name the file, the object and the attribute")
    func errors() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "attr-errors.h5")
            let h5 = try H5File.create(file)
            let group = try h5.root.createGroup("g")
            try group.setAttribute("name", "text")
            try group.setAttribute("pair", [1, 2])

            let missing = #expect(throws: StoreError.self) { try group.intAttribute("nope") }
            #expect(missing == .notFound(file: file, object: "/g attribute \"nope\""))
            #expect(missing?.description == "\(file): /g attribute \"nope\": not found")

            let wrongKind = #expect(throws: StoreError.self) { try group.intAttribute("name") }
            #expect(
                wrongKind
                    == .typeMismatch(
                        file: file, object: "/g attribute \"name\"",
                        expected: "integer", found: "string"))
            #expect(throws: StoreError.self) { try group.stringAttribute("pair") }
            #expect(throws: StoreError.self) { try group.doubleAttribute("pair") }

            let notScalar = #expect(throws: StoreError.self) { try group.intAttribute("pair") }
            #expect(notScalar?.description == "\(file): /g attribute \"pair\": holds 2 values, expected 1")

            let nul = #expect(throws: StoreError.self) { try group.setAttribute("bad", "a\u{0}b") }
            guard case .invalidArgument = nul else {
                Issue.record("expected invalidArgument, got \(String(describing: nul))"); return
            }
            #expect(!group.hasAttribute("bad"))
        }
    }
}
