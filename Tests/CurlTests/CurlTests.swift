import Curl
import Foundation
import Testing

@Suite("Curl against a real HTTP server", .enabled(if: EchoServer.shouldRun, "python3 is not installed"))
struct CurlTests {
    @Test("GET returns status, headers (case-insensitive) and body")
    func get() throws {
        let server = try EchoServer()
        let response = try Curl.perform(HTTPClientRequest(url: server.baseURL + "/hello?x=1"))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("X-ECHO-SERVER") == "yes")
        #expect(response.header("X-Missing") == nil)
        let echo = try Echo(response.body)
        #expect(echo.method == "GET")
        #expect(echo.path == "/hello?x=1")
    }

    @Test("PUT sends the body and custom headers, without Expect: 100-continue")
    func putWithBody() throws {
        let server = try EchoServer()
        let body = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let request = HTTPClientRequest(
            method: "PUT",
            url: server.baseURL + "/segments/a.gz",
            headers: [("Content-Type", "application/gzip"), ("X-Beekeeper-SHA256", "abc123"), ("X-Empty", "")],
            body: body
        )
        let response = try Curl.perform(request)
        #expect(response.status == 200)
        let echo = try Echo(response.body)
        #expect(echo.method == "PUT")
        #expect(echo.header("Content-Type") == "application/gzip")
        #expect(echo.header("X-Beekeeper-SHA256") == "abc123")
        #expect(echo.header("X-Empty") == "")
        #expect(echo.header("Content-Length") == "200000")
        #expect(echo.header("Expect") == nil)
        #expect(echo.body == body)
    }

    @Test("PUT streams a file as the body")
    func putFromFile() throws {
        let server = try EchoServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curltests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("segment.gz")
        let contents = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }
        try Data(contents).write(to: file)

        let response = try Curl.perform(HTTPClientRequest(method: "PUT", url: server.baseURL + "/upload", bodyFile: file.path))
        let echo = try Echo(response.body)
        #expect(echo.method == "PUT")
        #expect(echo.header("Content-Length") == "300000")
        #expect(echo.body == contents)
    }

    @Test("other methods are sent as given", arguments: ["POST", "DELETE", "PATCH"])
    func otherMethods(method: String) throws {
        let server = try EchoServer()
        let body: [UInt8]? = method == "DELETE" ? nil : Array("{}".utf8)
        let response = try Curl.perform(HTTPClientRequest(method: method, url: server.baseURL + "/x", body: body))
        let echo = try Echo(response.body)
        #expect(echo.method == method)
        #expect(echo.body == (body ?? []))
    }

    @Test("HEAD returns headers and no body")
    func head() throws {
        let server = try EchoServer()
        let response = try Curl.perform(HTTPClientRequest(method: "HEAD", url: server.baseURL + "/"))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.header("X-Echo-Server") == "yes")
    }

    @Test("error statuses are responses, not errors", arguments: [404, 500, 503])
    func errorStatus(status: Int) throws {
        let server = try EchoServer()
        let response = try Curl.perform(HTTPClientRequest(method: "PUT", url: server.baseURL + "/status/\(status)", body: [1]))
        #expect(response.status == status)
        #expect(try Echo(response.body).method == "PUT")
    }

    @Test("a slow server produces a timeout error")
    func timeout() throws {
        let server = try EchoServer()
        do {
            _ = try Curl.perform(HTTPClientRequest(url: server.baseURL + "/sleep/5", timeout: .milliseconds(300)))
            Issue.record("the request did not time out")
        } catch {
            #expect(error.isTimeout, "\(error)")
            #expect(error.code == 28)
        }
    }

    @Test("a refused connection is a clear error")
    func connectionRefused() throws {
        // Port 1 (tcpmux) is privileged and unused here, so the kernel refuses the connection.
        do {
            _ = try Curl.perform(HTTPClientRequest(url: "http://127.0.0.1:1/"))
            Issue.record("the request succeeded")
        } catch {
            #expect(error.code == 7)
            #expect(!error.isTimeout)
            #expect(error.message.contains("connect"), "\(error.message)")
        }
    }

    @Test("response bodies over the limit are refused", arguments: ["bytes", "stream"])
    func responseLimit(kind: String) throws {
        let server = try EchoServer()
        let url = server.baseURL + "/\(kind)/5000"
        #expect(try Curl.perform(HTTPClientRequest(url: url), maxResponseBytes: 5000).body.count == 5000)
        do {
            _ = try Curl.perform(HTTPClientRequest(url: url), maxResponseBytes: 4999)
            Issue.record("an oversized body was accepted")
        } catch {
            #expect(error.message.contains("exceeds 4999 bytes"), "\(error.message)")
        }
    }

    @Test("invalid requests are refused before anything is sent")
    func invalidRequests() throws {
        let injected = HTTPClientRequest(url: "http://127.0.0.1:1/", headers: [("X-A", "b\r\nX-Injected: 1")])
        #expect(throws: CurlError.self) { try Curl.perform(injected) }
        let badMethod = HTTPClientRequest(method: "GET /evil", url: "http://127.0.0.1:1/")
        #expect(throws: CurlError.self) { try Curl.perform(badMethod) }
        let both = HTTPClientRequest(method: "PUT", url: "http://127.0.0.1:1/", body: [1], bodyFile: "/etc/hostname")
        #expect(throws: CurlError.self) { try Curl.perform(both) }
        do {
            _ = try Curl.perform(HTTPClientRequest(url: "file:///etc/passwd"))
            Issue.record("a file:// URL was fetched")
        } catch {
            #expect(error.code == 1, "\(error)")  // CURLE_UNSUPPORTED_PROTOCOL
        }
        do {
            _ = try Curl.perform(HTTPClientRequest(method: "PUT", url: "http://127.0.0.1:1/", bodyFile: "/nonexistent/file"))
            Issue.record("a missing body file was accepted")
        } catch {
            #expect(error.message.contains("/nonexistent/file"))
        }
    }

    @Test("execute runs the request off the caller's thread")
    func asyncExecute() async throws {
        let server = try EchoServer()
        let base = server.baseURL
        async let first = Curl.execute(HTTPClientRequest(url: base + "/sleep/0.2"))
        async let second = Curl.execute(HTTPClientRequest(method: "PUT", url: base + "/b", body: [7]))
        let (a, b) = try await (first, second)
        #expect(try Echo(a.body).path == "/sleep/0.2")
        #expect(try Echo(b.body).body == [7])
    }

    @Test("cancelling the awaiting task aborts the transfer")
    func cancellation() async throws {
        let server = try EchoServer()
        let url = server.baseURL + "/sleep/30"
        let task = Task { try await Curl.execute(HTTPClientRequest(url: url)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        do {
            _ = try await task.value
            Issue.record("the request completed despite cancellation")
        } catch let error as CurlError {
            #expect(error.isCancelled, "\(error)")
        }
    }
}
