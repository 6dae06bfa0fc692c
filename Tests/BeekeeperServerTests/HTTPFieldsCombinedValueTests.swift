@testable import BeekeeperServer
import HTTPTypes
import Testing

/// `combinedValue` replaces `HTTPFields`' subscript on the signed-request path: it must give the
/// very same value in every case, including repeated fields and the Cookie separator.
@Suite("HTTPFields.combinedValue against the library's subscript")
struct HTTPFieldsCombinedValueTests {
    @Test func givesWhatTheSubscriptGives() throws {
        let key = try #require(HTTPField.Name("X-Beekeeper-Key"))
        let other = try #require(HTTPField.Name("X-Other"))
        var cases: [HTTPFields] = [
            [:],
            [.contentType: "application/json"],
            [.contentType: "application/json", .contentLength: "12"],
        ]
        var repeated = HTTPFields()
        repeated.append(HTTPField(name: key, value: "ops"))
        repeated.append(HTTPField(name: other, value: "x"))
        repeated.append(HTTPField(name: HTTPField.Name("x-beekeeper-key")!, value: "other"))
        repeated.append(HTTPField(name: key, value: ""))
        cases.append(repeated)
        var cookies = HTTPFields()
        cookies.append(HTTPField(name: .cookie, value: "a=1"))
        cookies.append(HTTPField(name: .cookie, value: "b=2"))
        cases.append(cookies)
        let names: [HTTPField.Name] = [key, other, .contentType, .contentLength, .cookie, HTTPField.Name("X-BEEKEEPER-KEY")!]
        for fields in cases {
            for name in names {
                #expect(fields.combinedValue(name) == fields[name], "\(name) in \(fields)")
            }
        }
        #expect(repeated.combinedValue(key) == "ops, other, ")
        #expect(cookies.combinedValue(.cookie) == "a=1; b=2")
    }
}
