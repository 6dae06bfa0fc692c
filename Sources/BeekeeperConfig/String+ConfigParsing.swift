// Small text helpers for parsing configuration values without pulling in Foundation.

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let trimmedFront = drop(while: \.isWhitespace)
        var end = trimmedFront.endIndex
        while end > trimmedFront.startIndex, trimmedFront[trimmedFront.index(before: end)].isWhitespace {
            end = trimmedFront.index(before: end)
        }
        return Substring(trimmedFront[trimmedFront.startIndex..<end])
    }
}
