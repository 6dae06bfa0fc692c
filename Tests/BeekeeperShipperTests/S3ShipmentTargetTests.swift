import BeekeeperAudit
import BeekeeperCore
@testable import BeekeeperShipper
import Foundation
import Testing

@Suite struct S3ShipmentTargetTests {
    static let credentials = ["AWS_ACCESS_KEY_ID": "AKIDSHIPPER", "AWS_SECRET_ACCESS_KEY": "shipper/secret+key"]

    func target(_ environment: [String: String], url: String = "s3://audit-bucket/beekeeper/") throws -> S3ShipmentTarget {
        try S3ShipmentTarget(target: url, environment: environment, timeout: .seconds(10), logger: Fixtures.logger)
    }

    @Test func withoutAnEndpointRequestsAreVirtualHostedInTheRegion() throws {
        let plain = try target(Self.credentials)
        #expect(plain.region == "us-east-1")
        let location = plain.location(of: "beekeeper/audit-0000000000000001.jsonl.gz")
        #expect(location.url == "https://audit-bucket.s3.us-east-1.amazonaws.com/beekeeper/audit-0000000000000001.jsonl.gz")
        #expect(location.host == "audit-bucket.s3.us-east-1.amazonaws.com")
        #expect(location.path == "/beekeeper/audit-0000000000000001.jsonl.gz")

        let regional = try target(Self.credentials.merging(["AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-2"]) { $1 })
        #expect(regional.region == "eu-west-3")
        #expect(try target(Self.credentials.merging(["AWS_DEFAULT_REGION": "us-west-2"]) { $1 }).region == "us-west-2")

        // A dotted bucket would not match the wildcard certificate as a host name.
        let dotted = try target(Self.credentials, url: "s3://audit.example.com/x/").location(of: "x/a b.gz")
        #expect(dotted.url == "https://s3.us-east-1.amazonaws.com/audit.example.com/x/a%20b.gz")
        #expect(dotted.host == "s3.us-east-1.amazonaws.com")
    }

    @Test func anEndpointOverrideIsPathStyleAndTheS3VariableWins() throws {
        let environment = Self.credentials.merging([
            "AWS_ENDPOINT_URL": "http://generic.invalid:9999", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000/",
        ]) { $1 }
        let location = try target(environment).location(of: "beekeeper/audit-0000000000000001.jsonl.gz")
        #expect(location.url == "http://127.0.0.1:9000/audit-bucket/beekeeper/audit-0000000000000001.jsonl.gz")
        #expect(location.host == "127.0.0.1:9000")
        #expect(location.path == "/audit-bucket/beekeeper/audit-0000000000000001.jsonl.gz")

        let defaultPort = try target(Self.credentials.merging(["AWS_ENDPOINT_URL": "https://minio.internal:443/s3"]) { $1 })
        #expect(defaultPort.location(of: "k").host == "minio.internal")
        #expect(defaultPort.location(of: "k").path == "/s3/audit-bucket/k")
        #expect(defaultPort.description == "s3://audit-bucket/beekeeper/ via https://minio.internal:443/s3")

        #expect(throws: ShipperConfigurationError.self) { try target(Self.credentials.merging(["AWS_ENDPOINT_URL": "minio:9000"]) { $1 }) }
        #expect(throws: ShipperConfigurationError.self) {
            try target(Self.credentials.merging(["AWS_ENDPOINT_URL": "http://user:pw@minio:9000"]) { $1 })
        }
    }

    @Test func missingCredentialsAreAClearErrorAtStart() {
        #expect(throws: ShipperConfigurationError(
            key: "shipper.target", message: "an s3:// target needs credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set")
        ) { try target([:]) }
        #expect(throws: ShipperConfigurationError(
            key: "shipper.target", message: "an s3:// target needs credentials in the environment: AWS_SECRET_ACCESS_KEY not set")
        ) { try target(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": " "]) }
    }

    @Test func aBucketWithoutPrefixPutsAtTheTop() throws {
        let bare = try target(Self.credentials, url: "s3://audit-bucket/")
        #expect(bare.prefix == "")
        #expect(bare.location(of: "audit-1.gz").path == "/audit-1.gz")
        #expect(try target(Self.credentials, url: "s3://audit-bucket/a/b").prefix == "a/b/")
    }

    @Test(
        "a signed PutObject is accepted by a SigV4-verifying collector (botocore), a wrong secret is not",
        .enabled(if: Requirements.botocoreAvailable, "python3 with botocore is not installed"), .timeLimit(.minutes(1)))
    func signedPutAgainstTheCollector() async throws {
        guard Requirements.hasBotocore else { throw TestFailure("python3 with botocore is required (scripts/install-deps.sh installs it)") }
        let token = "IQoJb3JpZ2luX2VjEPr//////////session+token="
        let collector = try Collector(sigv4: (accessKey: "AKIDSHIPPER", secret: "shipper/secret+key", token: token))
        let scratch = try ScratchDirectory()
        let audit = try scratch.subdirectory("audit")
        let segment = try Fixtures.segment(in: audit, firstSeq: 1, bytes: Fixtures.bytes(1 << 20, seed: 11))
        let shipment = Shipment(segment: segment, sha256: try Fixtures.sha256(file: segment.path))
        let environment = Self.credentials.merging([
            "AWS_SESSION_TOKEN": token, "AWS_ENDPOINT_URL": collector.baseURL, "AWS_REGION": "eu-north-1",
        ]) { $1 }
        try await target(environment).ship(shipment)
        #expect(collector.object("audit-bucket/beekeeper/" + segment.fileName) == FileManager.default.contents(atPath: segment.path).map(Array.init))

        let wrong = environment.merging(["AWS_SECRET_ACCESS_KEY": "not-the-secret"]) { $1 }
        let refused = try target(wrong)
        do throws(ShipmentError) {
            try await refused.ship(shipment)
            Issue.record("a request signed with the wrong secret was accepted")
        } catch {
            #expect(error == .rejected(status: 403, detail: "SignatureDoesNotMatch: SignatureDoesNotMatch"))
        }
        #expect(try collector.stats()["auth_failures"] == 1)
    }
}
