/// A JSON value that keeps what it was given: object members in their order and numbers as
/// their literal text, so a bee's result or a Stripe amount passes through byte for byte.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, as validated by the parser (`-12`, `3.5e2`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public static func number(_ value: Int) -> JSONValue { .number(String(value)) }

    public static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(value))
    }

    /// An object from ordered pairs; later duplicates replace earlier ones in place.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        var members: [Member] = []
        for (key, value) in pairs {
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = value
            } else {
                members.append(Member(key, value))
            }
        }
        return .object(members)
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        if let exact = Int(text) { return exact }
        if let double = Double(text), double == double.rounded(), abs(double) < 9e15 { return Int(double) }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Follows a dotted path (`args.0.data.object.metadata.userId`): array steps are indices.
    public func value(atPath path: String) -> JSONValue? {
        value(atSteps: JSONValue.PathStep.steps(of: path))
    }

    /// One step of a dotted path, split and converted once (the Guardian's field rules follow
    /// the same paths on every task).
    public struct PathStep: Sendable {
        /// The member name, when the step meets an object.
        public let key: String
        /// The index, when the step meets an array (nil when the step is not a number).
        public let index: Int?

        public init(_ step: Substring) {
            key = String(step)
            index = Int(step)
        }

        public static func steps(of path: String) -> [PathStep] {
            path.split(separator: ".", omittingEmptySubsequences: false).map(PathStep.init)
        }
    }

    /// ``value(atPath:)`` with the path already split.
    public func value(atSteps steps: some Sequence<PathStep>) -> JSONValue? {
        var current: JSONValue = self
        for step in steps {
            switch current {
            case .object:
                guard let next = current[step.key] else { return nil }
                current = next
            case .array:
                guard let index = step.index, let next = current[index] else { return nil }
                current = next
            default:
                return nil
            }
        }
        return current
    }

    /// Returns a copy with the member at `key` set (replaced in place, else appended).
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        if let index = members.lastIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append(Member(key, value))
        }
        return .object(members)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { Member($0.0, $0.1) })
    }
}
