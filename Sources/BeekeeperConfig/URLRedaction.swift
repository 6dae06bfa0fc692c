/// Hides the secrets a URL may carry: the password of its user info (`postgresql://user:***@host/db`)
/// and query parameters named like secrets (`?password=***`).
public enum URLRedaction {
    static let mask = "***"

    /// - Parameter hideLoneUser: also hide user info without a password (`https://***@host/`), which
    ///   for an HTTP target is usually a token; a database URL's lone user is just the role name.
    public static func redact(_ url: String, hideLoneUser: Bool) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let afterScheme = url[schemeEnd.upperBound...]
        let beforeQuery = afterScheme.prefix(while: { $0 != "?" && $0 != "#" })
        var result = String(url[..<schemeEnd.upperBound])
        var rest = afterScheme
        // The last "@" wins: an unencoded "@" or "/" in a password must not leak the rest of it.
        if let at = beforeQuery.lastIndex(of: "@") {
            let userInfo = afterScheme[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                result += userInfo[..<colon] + ":" + mask
            } else {
                result += hideLoneUser ? mask : String(userInfo)
            }
            rest = afterScheme[at...]
        }
        guard let question = rest.firstIndex(of: "?") else { return result + rest }
        result += rest[...question]
        let query = rest[rest.index(after: question)...]
        let fragmentStart = query.firstIndex(of: "#") ?? query.endIndex
        let parameters = query[..<fragmentStart].split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "=") else { return String(parameter) }
            let name = parameter[..<equals].lowercased()
            let secret = ["password", "secret", "token", "signature", "credential"].contains { name.contains($0) }
            return secret ? parameter[...equals] + mask : String(parameter)
        }
        return result + parameters.joined(separator: "&") + query[fragmentStart...]
    }
}
