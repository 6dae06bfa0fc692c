import CCurl
import Dispatch

/// A small blocking HTTP client over libcurl: one easy handle per request, no shared state
/// beyond libcurl's one-time global initialisation.
public enum Curl {
    /// Default cap on response bodies, so a hostile or broken server cannot exhaust memory.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    /// `curl_global_init` must run once before any other libcurl call; a static let runs its
    /// initialiser exactly once, thread-safely, on first use.
    private static let globalInitialization: Int = Int(curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue)

    /// Requests run here: blocking calls must not occupy the cooperative thread pool, and a
    /// queue created with a label gets new threads when its work blocks.
    private static let queue = DispatchQueue(label: "beekeeper.curl", attributes: .concurrent)

    /// Performs `request` on the calling thread, blocking until it completes.
    /// - Returns: the response, whatever its status; only transport failures throw.
    public static func perform(_ request: HTTPClientRequest, maxResponseBytes: Int = defaultMaxResponseBytes) throws(CurlError) -> HTTPClientResponse {
        try self.perform(request, maxResponseBytes: maxResponseBytes, cancellation: nil)
    }

    /// Performs `request` on a background thread. Cancelling the awaiting task aborts the
    /// transfer (within about a second) with an error whose `isCancelled` is true.
    public static func execute(_ request: HTTPClientRequest, maxResponseBytes: Int = defaultMaxResponseBytes) async throws(CurlError) -> HTTPClientResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPClientResponse, CurlError>, Never>) in
                self.queue.async {
                    continuation.resume(returning: Result { () throws(CurlError) in
                        try self.perform(request, maxResponseBytes: maxResponseBytes, cancellation: cancellation)
                    })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    private static func perform(_ request: HTTPClientRequest, maxResponseBytes: Int, cancellation: CancellationFlag?) throws(CurlError) -> HTTPClientResponse {
        guard self.globalInitialization == Int(CURLE_OK.rawValue) else {
            throw CurlError(code: self.globalInitialization, message: "curl_global_init failed")
        }
        let transfer = try CurlTransfer(maxResponseBytes: max(0, maxResponseBytes), cancellation: cancellation)
        try transfer.configure(request)
        return try transfer.perform()
    }
}
