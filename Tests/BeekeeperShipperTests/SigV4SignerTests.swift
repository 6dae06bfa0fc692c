@testable import BeekeeperShipper
import BeekeeperCore
import Foundation
import Sodium
import Testing

/// The signer against AWS's own examples, then against botocore for requests like the shipper's.
@Suite struct SigV4SignerTests {
    // Credentials, bucket and time of the worked examples in "Signature Calculations for the
    // Authorization Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)",
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
    // (section "Examples: Signature Calculations"); every expected value below is quoted from it.
    static let credentials = AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let exampleDate = Date(timeIntervalSince1970: 1_369_353_600)  // Fri, 24 May 2013 00:00:00 GMT
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let signer = SigV4Signer(credentials: credentials, region: "us-east-1")

    @Test("AWS example: GET Object (test.txt with a Range header)")
    func getObjectExample() {
        let signed = Self.signer.sign(
            method: "GET", path: "/test.txt", headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadSHA256: Self.emptySHA256, date: Self.exampleDate)
        #expect(signed.canonicalRequest == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(signed.stringToSign == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("AWS example: PUT Object (test$file.text, 'Welcome to Amazon S3.')")
    func putObjectExample() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payload = Hex.encode(SHA256.hash(body))
        #expect(payload == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let path = "/" + SigV4Signer.uriEncode("test$file.text", encodeSlash: false)
        #expect(path == "/test%24file.text")
        let signed = Self.signer.sign(
            method: "PUT", path: path,
            headers: [
                ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            payloadSHA256: payload, date: Self.exampleDate)
        #expect(signed.stringToSign.hasSuffix("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d"))
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
        #expect(signed.authorization.contains("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"))
        // The headers to send carry what was signed.
        let sent = Dictionary(signed.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { $1 })
        #expect(sent["x-amz-content-sha256"] == payload)
        #expect(sent["x-amz-date"] == "20130524T000000Z")
        #expect(sent["authorization"] == signed.authorization)
        #expect(sent["x-amz-security-token"] == nil)
    }

    @Test("AWS example: GET Bucket (List Objects) with a query string")
    func listObjectsExample() {
        let signed = Self.signer.sign(
            method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [("Host", "examplebucket.s3.amazonaws.com")],
            payloadSHA256: Self.emptySHA256, date: Self.exampleDate)
        #expect(signed.canonicalRequest.hasPrefix("GET\n/\nmax-keys=2&prefix=J\n"))
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func timestampIsUTCInTheAmzFormat() {
        #expect(SigV4Signer.timestamp(Self.exampleDate) == "20130524T000000Z")
        // Fractions of a second are cut, not rounded; a leap day formats like any other.
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_795_000_000.9)) == "20261118T110640Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
    }

    @Test func uriEncodingKeepsOnlyUnreservedCharacters() {
        #expect(SigV4Signer.uriEncode("A-z_0.9~", encodeSlash: true) == "A-z_0.9~")
        #expect(SigV4Signer.uriEncode("a b+c=d&e", encodeSlash: true) == "a%20b%2Bc%3Dd%26e")
        #expect(SigV4Signer.uriEncode("dir/file", encodeSlash: false) == "dir/file")
        #expect(SigV4Signer.uriEncode("dir/file", encodeSlash: true) == "dir%2Ffile")
        #expect(SigV4Signer.uriEncode("ключ", encodeSlash: true) == "%D0%BA%D0%BB%D1%8E%D1%87")
        #expect(SigV4Signer.trimAll("  a   b \t c  ") == "a b c")
    }

    @Test func credentialsNeverPrintTheSecret() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "very-secret", sessionToken: "token-secret")
        #expect(!credentials.description.contains("very-secret"))
        #expect(!credentials.description.contains("token-secret"))
        #expect(credentials.description.contains("AKID"))
    }

    // MARK: Cross-check with botocore

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var method = "PUT"
        var url: String
        var params: [(String, String)] = []
        var headers: [(String, String)]
        var body: String
        var region = "us-east-1"
        var token: String? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "path-style PUT to an endpoint override, with a session token",
            url: "http://127.0.0.1:9000/audit-bucket/beekeeper/audit-0000000000000001.jsonl.gz",
            headers: [("Host", "127.0.0.1:9000"), ("Content-Type", "application/gzip")], body: "\u{1F}\u{8B} not really gzip",
            region: "eu-west-1", token: "FwoGZXIvYXdzEBYaDH+session/token=="),
        Case(
            name: "virtual-hosted PUT of a key that needs encoding",
            url: "https://audit.s3.eu-central-1.amazonaws.com/" + SigV4Signer.uriEncode("prefix with space/a+b$c/ключ.jsonl.gz", encodeSlash: false),
            headers: [("Host", "audit.s3.eu-central-1.amazonaws.com"), ("Content-Type", "application/gzip")], body: "segment bytes",
            region: "eu-central-1"),
        Case(
            name: "GET with query parameters and a header with inner spaces", method: "GET",
            url: "https://bucket.s3.amazonaws.com/", params: [("prefix", "a b/c"), ("list-type", "2"), ("continuation-token", "x+y=")],
            headers: [("Host", "bucket.s3.amazonaws.com"), ("X-Amz-Meta-Note", "  several   spaces  here ")], body: ""),
    ]

    @Test("same signature as botocore's S3SigV4Auth", .enabled(if: Requirements.botocoreAvailable, "python3 with botocore is not installed"), arguments: cases)
    func matchesBotocore(_ testCase: Case) throws {
        guard let python = Requirements.python, Requirements.hasBotocore else {
            throw TestFailure("python3 with botocore is required (scripts/install-deps.sh installs it)")
        }
        let timestamp = "20261122T101500Z"
        let date = Date(timeIntervalSince1970: 1_795_342_500)
        #expect(SigV4Signer.timestamp(date) == timestamp)
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: testCase.token)
        let spec: JSONValue = [
            "method": .string(testCase.method), "url": .string(testCase.url),
            "params": .array(testCase.params.map { [.string($0.0), .string($0.1)] }),
            "headers": .array(testCase.headers.map { [.string($0.0), .string($0.1)] }),
            "body": .string(testCase.body), "timestamp": .string(timestamp), "access_key": .string(credentials.accessKeyID),
            "secret_key": .string(credentials.secretAccessKey), "token": testCase.token.map { .string($0) } ?? .null,
            "region": .string(testCase.region),
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Requirements.botocoreScript, spec.serialized()]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let botocore = try JSONValue.parse(Array(data))

        let afterScheme = testCase.url[testCase.url.firstRange(of: "://")!.upperBound...]
        let path = String(afterScheme.drop(while: { $0 != "/" }))
        let ours = SigV4Signer(credentials: credentials, region: testCase.region).sign(
            method: testCase.method, path: path, query: testCase.params, headers: testCase.headers,
            payloadSHA256: Hex.encode(SHA256.hash(Array(testCase.body.utf8))), date: date)
        #expect(ours.canonicalRequest == botocore["canonical_request"]?.stringValue)
        #expect(ours.stringToSign == botocore["string_to_sign"]?.stringValue)
        #expect(ours.signature == botocore["signature"]?.stringValue)
        // botocore separates the Authorization fields with ", ", the S3 documentation with ","; S3 takes both.
        #expect(ours.authorization == botocore["authorization"]?.stringValue?.replacingOccurrences(of: ", ", with: ","))
    }
}
