extension JSONValue {
    /// What the Guardian's fixed checks ask of one argument, learnt in one walk instead of three
    /// (a serialization to measure it, a depth walk, a duplicate-key walk).
    public struct Shape: Sendable, Equatable {
        /// ``compactByteCount``; when the walk stopped early, some value above the limit.
        public var compactBytes: Int
        /// ``depth``, when the walk did not stop early.
        public var depth: Int
        /// Whether an object anywhere repeats a key (as ``firstDuplicateKey(path:)`` finds), when
        /// the walk did not stop early.
        public var hasDuplicateKey: Bool

        public init(compactBytes: Int = 0, depth: Int = 0, hasDuplicateKey: Bool = false) {
            self.compactBytes = compactBytes
            self.depth = depth
            self.hasDuplicateKey = hasDuplicateKey
        }
    }

    /// Size, depth and duplicate keys in one walk. Once the size passes `byteLimit` the walk
    /// stops: `compactBytes` is then larger than `byteLimit` and the other two are incomplete.
    public func shape(byteLimit: Int = .max) -> Shape {
        var shape = Shape()
        _ = addShape(to: &shape, limit: byteLimit)
        return shape
    }

    /// Adds to `shape.compactBytes` and sets the rest; returns this value's depth, or nil once past `limit`.
    private func addShape(to shape: inout Shape, limit: Int) -> Int? {
        switch self {
        case .array(let items):
            shape.compactBytes += items.isEmpty ? 2 : 1 + items.count
            var deepest = 0
            for item in items {
                guard let depth = item.addShape(to: &shape, limit: limit) else { return nil }
                deepest = max(deepest, depth)
            }
            shape.depth = max(shape.depth, deepest + 1)
            return shape.compactBytes <= limit ? deepest + 1 : nil
        case .object(let members):
            shape.compactBytes += members.isEmpty ? 2 : 1 + 2 * members.count
            var deepest = 0
            for member in members {
                shape.compactBytes += JSONValue.compactByteCount(ofString: member.key)
                guard shape.compactBytes <= limit, let depth = member.value.addShape(to: &shape, limit: limit) else { return nil }
                deepest = max(deepest, depth)
            }
            if !shape.hasDuplicateKey, JSONValue.repeatsAKey(members) { shape.hasDuplicateKey = true }
            shape.depth = max(shape.depth, deepest + 1)
            return shape.compactBytes <= limit ? deepest + 1 : nil
        default:
            return addCompactByteCount(to: &shape.compactBytes, limit: limit) ? 0 : nil
        }
    }

    /// Whether two members have equal keys (String equality, as the `Set<String>` of
    /// ``firstDuplicateKey(path:)``). Keys are hashed by their bytes into a table on the stack:
    /// no allocation, no SipHash. Byte equality is String equality only for ASCII (canonical
    /// equivalence makes `é` and `e` + U+0301 equal), so an object with a non-ASCII key, or with
    /// two keys whose hashes meet, is decided by the `Set<String>` instead.
    package static func repeatsAKey(_ members: [Member]) -> Bool {
        let count = members.count
        guard count > 1 else { return false }
        if count == 2 { return members[0].key == members[1].key }
        if count <= 1024 {
            var capacity = 8
            while capacity < 2 * count { capacity <<= 1 }
            let distinct = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { table -> Bool in
                table.initialize(repeating: 0)
                let mask = capacity - 1
                for member in members {
                    guard let hash = asciiHash(member.key) else { return false }
                    var slot = Int(truncatingIfNeeded: hash) & mask
                    while table[slot] != 0 {
                        if table[slot] == hash { return false }
                        slot = (slot + 1) & mask
                    }
                    table[slot] = hash
                }
                return true
            }
            if distinct { return false }
        }
        var seen = Set<String>(minimumCapacity: count)
        for member in members where !seen.insert(member.key).inserted { return true }
        return false
    }

    /// A nonzero 64-bit hash of an ASCII key's bytes, eight at a time; nil for a non-ASCII key.
    private static func asciiHash(_ key: String) -> UInt64? {
        var key = key
        return key.withUTF8 { bytes -> UInt64? in
            let raw = UnsafeRawBufferPointer(bytes)
            var hash = UInt64(truncatingIfNeeded: raw.count) &* 0x9E37_79B9_7F4A_7C15
            var seenBits: UInt64 = 0
            var index = 0
            while index < raw.count {
                var word: UInt64 = 0
                let take = min(8, raw.count - index)
                if take == 8 {
                    word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                } else {
                    for offset in 0..<take { word |= UInt64(raw[index + offset]) << (8 * offset) }
                }
                seenBits |= word
                hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
                hash ^= hash >> 31
                index += take
            }
            guard !JSONByteScan.hasNonASCII(seenBits) else { return nil }
            return hash | 1
        }
    }
}
