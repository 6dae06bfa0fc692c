/// One field of a cron expression and how to read it into a bit set of allowed values.
struct CronField: Sendable {
    struct Problem: Error {
        var reason: String
    }

    let name: String
    let range: ClosedRange<Int>
    var names: [String] = []
    /// The value of `names[0]`.
    var firstNameValue = 0

    static let minute = CronField(name: "minute", range: 0...59)
    static let hour = CronField(name: "hour", range: 0...23)
    static let dayOfMonth = CronField(name: "day of month", range: 1...31)
    static let month = CronField(
        name: "month", range: 1...12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        firstNameValue: 1)
    static let dayOfWeek = CronField(name: "day of week", range: 0...7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"])

    /// `*`, `5`, `1-5`, `*/15`, `1-30/5`, `10/20` (10 to the end, every 20), `mon-fri`, and
    /// comma-separated lists of them.
    func parse(_ text: Substring) throws(Problem) -> UInt64 {
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw Problem(reason: "more than one \"/\" in \"\(item)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), pieces[1].allSatisfy(\.isASCII), value >= 1, value <= range.upperBound + 1 else {
                    throw Problem(reason: "invalid step \"\(pieces[1])\"")
                }
                step = value
            }
            let base = pieces[0]
            var low = range.lowerBound
            var high = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw Problem(reason: "invalid range \"\(base)\"") }
                low = try value(bounds[0])
                high = bounds.count == 2 ? try value(bounds[1]) : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw Problem(reason: "range \"\(base)\" runs backwards") }
            }
            for value in stride(from: low, through: high, by: step) { set |= 1 << UInt64(value) }
        }
        return set
    }

    private func value(_ text: Substring) throws(Problem) -> Int {
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) {
            guard range.contains(number) else {
                throw Problem(reason: "\(number) is outside \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if let index = names.firstIndex(of: text.lowercased()) { return firstNameValue + index }
        throw Problem(reason: "\"\(text)\" is not a \(name) (\(range.lowerBound)-\(range.upperBound)\(names.isEmpty ? "" : " or a name"))")
    }
}
