/// Why the ColonyOS source cannot start: a key file, the owed-reports journal, the registration.
public struct ColoniesStartupError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
