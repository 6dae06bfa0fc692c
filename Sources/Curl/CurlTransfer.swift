import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One easy handle and everything libcurl points into while it runs: the error buffer, the
/// header list, the upload source and the response being collected. All of it lives exactly as
/// long as this object, and `deinit` releases it in the order libcurl requires.
final class CurlTransfer {
    private enum Upload {
        case bytes([UInt8])
        case file(descriptor: Int32, path: String)
    }

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var upload: Upload?
    private var uploadOffset = 0
    private let maxResponseBytes: Int
    private let cancellation: CancellationFlag?

    // Filled by the callbacks during `perform`.
    private var responseBody: [UInt8] = []
    private var responseHeaders: [(String, String)] = []
    private var receivedHeaderBytes = 0
    /// Set when a callback aborted the transfer, to explain the resulting generic curl code.
    private var abortReason: String?

    init(maxResponseBytes: Int, cancellation: CancellationFlag?) throws(CurlError) {
        guard let handle = curl_easy_init() else { throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed") }
        self.handle = handle
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        self.maxResponseBytes = maxResponseBytes
        self.cancellation = cancellation
    }

    deinit {
        // The handle references the header list and error buffer until cleanup, so it goes first.
        curl_easy_cleanup(self.handle)
        curl_slist_free_all(self.headerList)
        self.errorBuffer.deallocate()
        if case .file(let descriptor, _) = self.upload { _ = close(descriptor) }
    }

    // MARK: Configuration

    func configure(_ request: HTTPClientRequest) throws(CurlError) {
        let method = request.method
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenCharacter) else {
            throw Self.invalid("invalid HTTP method \"\(method)\"")
        }
        if request.body != nil && request.bodyFile != nil {
            throw Self.invalid("a request may have a body or a bodyFile, not both")
        }

        // First, so that libcurl can explain any failure of the options that follow.
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, self.errorBuffer))
        try self.set(CURLOPT_URL, string: request.url)
        // Only HTTP(S): a URL from configuration must never reach file://, gopher:// and the like.
        try self.set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        // Signals are process-wide; libcurl must not use them (for DNS timeouts) in a threaded program.
        try self.set(CURLOPT_NOSIGNAL, long: 1)
        try self.set(CURLOPT_TIMEOUT_MS, long: Self.milliseconds(request.timeout))
        try self.set(CURLOPT_CONNECTTIMEOUT_MS, long: Self.milliseconds(request.connectTimeout))
        // Rejects an announced oversized body before reading it; the write callback enforces the rest.
        try self.check(ccurl_easy_setopt_off_t(self.handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(self.maxResponseBytes)))

        let context = Unmanaged.passUnretained(self).toOpaque()
        try self.check(ccurl_easy_setopt_data_callback(self.handle, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_WRITEDATA, context))
        try self.check(ccurl_easy_setopt_data_callback(self.handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_HEADERDATA, context))
        if self.cancellation != nil {
            try self.check(ccurl_easy_setopt_progress_callback(self.handle, CURLOPT_XFERINFOFUNCTION, curlProgressCallback))
            try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_XFERINFODATA, context))
            try self.set(CURLOPT_NOPROGRESS, long: 0)
        }

        try self.configureMethodAndBody(request, context: context)
        try self.configureHeaders(request.headers)
    }

    private func configureMethodAndBody(_ request: HTTPClientRequest, context: UnsafeMutableRawPointer) throws(CurlError) {
        let method = request.method
        let sendsBody = request.body != nil || request.bodyFile != nil || ["POST", "PUT", "PATCH"].contains(method)
        if method == "HEAD" {
            try self.set(CURLOPT_NOBODY, long: 1)
            return
        }
        guard sendsBody else {
            if method != "GET" { try self.set(CURLOPT_CUSTOMREQUEST, string: method) }
            return
        }
        // UPLOAD with a known size sends Content-Length (an absent body is sent as an empty one,
        // which servers expect for POST/PUT); CUSTOMREQUEST then renames the PUT.
        let size: Int64
        if let path = request.bodyFile {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw Self.readError(path) }
            self.upload = .file(descriptor: descriptor, path: path)
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw Self.readError(path) }
            // A pipe or device has no size: then curl uses chunked transfer encoding.
            size = (status.st_mode & S_IFMT) == S_IFREG ? Int64(status.st_size) : -1
        } else {
            let bytes = request.body ?? []
            self.upload = .bytes(bytes)
            size = Int64(bytes.count)
        }
        try self.set(CURLOPT_UPLOAD, long: 1)
        try self.check(ccurl_easy_setopt_data_callback(self.handle, CURLOPT_READFUNCTION, curlReadCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_READDATA, context))
        if size >= 0 { try self.check(ccurl_easy_setopt_off_t(self.handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(size))) }
        if method != "PUT" { try self.set(CURLOPT_CUSTOMREQUEST, string: method) }
    }

    private func configureHeaders(_ headers: [(String, String)]) throws(CurlError) {
        var lines: [String] = []
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenCharacter) else { throw Self.invalid("invalid header name \"\(name)\"") }
            // CR/LF would let a value inject further headers or a second request.
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw Self.invalid("header \(name) contains a line break")
            }
            // "Name:" would tell curl to remove the header; "Name;" sends it with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // Without this, curl sends "Expect: 100-continue" for larger uploads and waits for an
        // interim response that many simple servers never send.
        if !headers.contains(where: { $0.0.lowercased() == "expect" }) { lines.append("Expect:") }
        for line in lines {
            guard let list = curl_slist_append(self.headerList, line) else {
                throw CurlError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            self.headerList = list
        }
        try self.check(ccurl_easy_setopt_slist(self.handle, CURLOPT_HTTPHEADER, self.headerList))
    }

    // MARK: Running

    func perform() throws(CurlError) -> HTTPClientResponse {
        if self.cancellation?.isCancelled == true { throw Self.cancelled }
        let code = curl_easy_perform(self.handle)
        guard code == CURLE_OK else {
            if self.cancellation?.isCancelled == true && code == CURLE_ABORTED_BY_CALLBACK { throw Self.cancelled }
            if code == CURLE_FILESIZE_EXCEEDED { throw self.error(code, reason: "response body exceeds \(self.maxResponseBytes) bytes") }
            throw self.error(code, reason: self.abortReason)
        }
        var status = 0
        try self.check(ccurl_easy_getinfo_long(self.handle, CURLINFO_RESPONSE_CODE, &status))
        return HTTPClientResponse(status: status, headers: self.responseHeaders, body: self.responseBody)
    }

    // MARK: Callbacks (called on the thread running `perform`)

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard self.responseBody.count + bytes.count <= self.maxResponseBytes else {
            self.abortReason = "response body exceeds \(self.maxResponseBytes) bytes"
            return false
        }
        self.responseBody.append(contentsOf: bytes)
        return true
    }

    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        self.receivedHeaderBytes += bytes.count
        guard self.receivedHeaderBytes <= self.maxResponseBytes else {
            self.abortReason = "response headers exceed \(self.maxResponseBytes) bytes"
            return false
        }
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            // A new status line: interim (1xx) responses and their headers are discarded.
            self.responseHeaders.removeAll()
            self.receivedHeaderBytes = bytes.count
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingSpaces()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            self.responseHeaders.append((String(name), String(value)))
        }
        return true
    }

    /// Copies up to `buffer.count` bytes of request body; nil means abort.
    fileprivate func sendBody(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        switch self.upload {
        case .bytes(let bytes):
            let count = min(buffer.count, bytes.count - self.uploadOffset)
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + self.uploadOffset, byteCount: count)
            }
            self.uploadOffset += count
            return count
        case .file(let descriptor, let path):
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno == EINTR { continue }
                self.abortReason = Self.readError(path).message
                return nil
            }
        case nil:
            return 0
        }
    }

    fileprivate var shouldAbort: Bool { self.cancellation?.isCancelled ?? false }

    // MARK: Helpers

    private func set(_ option: CURLoption, long value: Int) throws(CurlError) {
        try self.check(ccurl_easy_setopt_long(self.handle, option, value))
    }

    private func set(_ option: CURLoption, string value: String) throws(CurlError) {
        guard !value.utf8.contains(0) else { throw Self.invalid("option value contains a NUL byte") }
        // libcurl copies string options, so a temporary C string is enough.
        try self.check(value.withCString { ccurl_easy_setopt_string(self.handle, option, $0) })
    }

    private func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else { throw self.error(code, reason: nil) }
    }

    private func error(_ code: CURLcode, reason: String?) -> CurlError {
        var message = String(cString: curl_easy_strerror(code))
        let detail = reason ?? String(cString: self.errorBuffer)
        if !detail.isEmpty && detail != message { message += ": " + detail }
        return CurlError(code: Int(code.rawValue), message: message)
    }

    private static var cancelled: CurlError { CurlError(code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "request cancelled") }

    private static func invalid(_ message: String) -> CurlError {
        CurlError(code: Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue), message: message)
    }

    private static func readError(_ path: String) -> CurlError {
        let code = errno
        return CurlError(code: Int(CURLE_READ_ERROR.rawValue), message: "reading request body \(path): \(String(cString: strerror(code)))")
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int.max }
        // 0 would mean "no limit" to libcurl, so the shortest limit is 1 ms.
        return max(1, Int(total.partialValue + attoseconds / 1_000_000_000_000_000))
    }

    /// RFC 9110 token characters, valid in methods and header names.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}

// C callbacks cannot capture context; each recovers its transfer from libcurl's userdata pointer,
// which `configure` set to the unretained transfer that outlives `curl_easy_perform`.

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

private let curlWriteCallback: ccurl_data_callback = { buffer, size, count, userdata in
    let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
    // Returning a different count than offered makes libcurl abort with CURLE_WRITE_ERROR.
    return transfer(userdata).receiveBody(bytes) ? bytes.count : 0
}

private let curlHeaderCallback: ccurl_data_callback = { buffer, size, count, userdata in
    let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
    return transfer(userdata).receiveHeaderLine(bytes) ? bytes.count : 0
}

private let curlReadCallback: ccurl_data_callback = { buffer, size, count, userdata in
    let destination = UnsafeMutableRawBufferPointer(start: buffer, count: size * count)
    return transfer(userdata).sendBody(into: destination) ?? Int(CURL_READFUNC_ABORT)
}

private let curlProgressCallback: ccurl_progress_callback = { userdata, _, _, _, _ in
    // Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
    transfer(userdata).shouldAbort ? 1 : 0
}
