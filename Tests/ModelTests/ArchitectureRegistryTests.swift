import Model
import NumericCore
import Testing

/// Issue 17, item 4: every architecture registers itself once, and the lookups the loaders and
/// the command line make are unambiguous.
@Suite struct ArchitectureRegistryTests {
    /// Names, `config.json` types, GGUF architectures and size names each belong to one
    /// architecture (`--size NAME` and `model_type` find exactly one).
    @Test func everyNameBelongsToOneArchitecture() {
        let all = ArchitectureRegistry.all
        for names in [
            all.map { $0.name }, all.flatMap { $0.configTypes }, all.flatMap { $0.ggufArchitectures },
            all.flatMap { $0.sizes.map(\.name) },
        ] {
            #expect(Set(names).count == names.count, "repeated: \(names)")
        }
        for architecture in all {
            #expect(ArchitectureRegistry.named(architecture.name)?.name == architecture.name)
            for type in architecture.configTypes {
                #expect(ArchitectureRegistry.reading(configType: type)?.name == architecture.name)
            }
            for size in architecture.sizes {
                #expect(ArchitectureRegistry.size(named: size.name)?.architecture.name == architecture.name)
            }
        }
    }

    /// Every registered size is valid and builds a model of its layout's size with the sizes it
    /// claims (the smallest of each architecture, so the test stays quick).
    @Test func everyDefaultSizeBuilds() throws {
        for architecture in ArchitectureRegistry.all {
            for size in architecture.sizes { try size.shape.validate() }
            var rng = RNG(seed: 3)
            let shape = architecture.defaultSize.shape
            let model = try shape.initializedModel(rng: &rng)
            #expect(model.parameterCount == shape.parameterLayout().count)
            #expect(model.vocabSize == shape.vocabSize && model.contextLength == shape.blockSize)
        }
    }
}
