import Hummingbird
import LibCrypto
import NIOCore
import Sodium

extension SignedBody {
    /// Reads `body` up to `limit` bytes, hashing each part as it arrives (OpenSSL's incremental
    /// SHA-256), so the buffered body is never hashed afterwards: the one digest serves the
    /// signature check (SPEC section 4) and the audit's payload digest.
    ///
    /// Its bytes count against `budget` (`http.max_body_bytes_in_flight`) as they arrive, not as
    /// declared, so a stalled upload holds only what it sent; they are given back when this returns.
    static func read(_ body: RequestBody, limit: Int, budget: BodyBudget) async -> Result<SignedBody, APIError> {
        var bytes: [UInt8] = []
        let hasher = LibCrypto.SHA256.Hasher()
        var reserved = 0
        defer { budget.release(reserved) }
        do {
            for try await part in body {
                guard bytes.count + part.readableBytes <= limit else { return .failure(.payloadTooLarge(limit: limit)) }
                guard budget.reserve(part.readableBytes) else {
                    return .failure(.unavailable(code: "busy", "request bodies in flight are at http.max_body_bytes_in_flight; retry later", retryAfter: 1))
                }
                reserved += part.readableBytes
                part.withUnsafeReadableBytes { hasher.update($0) }
                bytes.append(contentsOf: part.readableBytesView)
            }
        } catch {
            // The client went away or broke the framing mid-body: nobody reads this answer.
            return .failure(.badRequest("the request body could not be read: \(error)"))
        }
        return .success(SignedBody(bytes: bytes, sha256Hex: Hex.encode(hasher.finalize())))
    }
}
