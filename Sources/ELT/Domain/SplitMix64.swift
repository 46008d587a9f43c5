/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, the same on every platform
/// and run, unlike `SystemRandomNumberGenerator` or `Hasher`.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniformly distributed value in 0..<1 with 53 random bits.
    mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A value in 0..<`bound` (the tiny modulo bias is irrelevant for fake data).
    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// The SplitMix64 finaliser: a bijective avalanche of `value`.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit seed for `text` (FNV-1a over its UTF-8, then mixed).
    static func seed(from text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(hash)
    }

    /// A generator for one decision, fixed by a seed and the decision's coordinates.
    static func decision(seed: UInt64, _ coordinates: Int...) -> SplitMix64 {
        var combined = seed
        for value in coordinates {
            combined = mix(combined ^ UInt64(bitPattern: Int64(value)) &+ 0x9E37_79B9_7F4A_7C15)
        }
        return SplitMix64(seed: combined)
    }
}
