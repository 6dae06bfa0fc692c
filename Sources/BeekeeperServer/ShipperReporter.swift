import BeekeeperAudit
import BeekeeperCore
import BeekeeperPipeline
import BeekeeperMetrics
import BeekeeperShipper
import Foundation
import Logging

/// Turns the shipper's reports into metrics and a `segment.shipped` audit record, so that the
/// log itself says which segments reached the collector (and with which digest).
struct ShipperReporter: ShipperObserver {
    let metrics: SidecarMetrics
    let pipeline: TaskPipeline
    let target: String
    let logger: Logger

    func shipped(_ shipment: Shipment, duration: Duration) async {
        metrics.shipperSegments.labels("shipped").increment()
        metrics.shipperLastSuccess.labels().set(Date().timeIntervalSince1970)
        let record = AuditRecord(type: "segment.shipped", fields: [
            .init("segment", .string(shipment.fileName)), .init("first_seq", .number(String(shipment.segment.firstSeq))),
            .init("bytes", .number(String(shipment.byteCount))), .init("sha256", .string(shipment.sha256)),
            .init("target", .string(target)), .init("duration_ms", duration.millisecondsJSON),
        ])
        do {
            _ = try await pipeline.record([record])
        } catch {
            // The marker is what counts; the record is the log's account of it.
            logger.warning("could not audit a shipped segment", metadata: ["segment": "\(shipment.fileName)", "error": "\(error)"])
        }
    }

    func failed(_ segment: AuditSegment, error: ShipmentError, consecutiveFailures: Int) async {
        metrics.shipperSegments.labels("failed").increment()
    }
}
