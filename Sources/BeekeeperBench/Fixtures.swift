import BeekeeperAudit
import BeekeeperCore
import Sodium

/// The data the benchmarks work on, shaped like Beekeeper's real traffic.
enum Fixtures {
    /// A Stripe `invoice.paid` webhook event as a finance bee receives it (about 1.2 KB),
    /// carrying the `metadata.userId` / `metadata.tier` that SPEC's validate_revenue rules check.
    static let stripeInvoicePaid = #"""
        {"id":"evt_1PzQ2mLkdIwHu7ixq3RkJ9aB","object":"event","api_version":"2024-06-20","created":1727712345,\#
        "data":{"object":{"id":"in_1PzQ2kLkdIwHu7ixV8xYh3cD","object":"invoice",\#
        "amount_due":4900,"amount_paid":4900,"amount_remaining":0,\#
        "billing_reason":"subscription_cycle","currency":"usd","customer":"cus_QqR8nT2vWx4yZa",\#
        "customer_email":"jane.o'brien@example.com","customer_name":"Jane O'Brien",\#
        "lines":{"object":"list","data":[{"id":"il_1PzQ2kLkdIwHu7ixR2bVx9Qe","object":"line_item","amount":4900,\#
        "currency":"usd","description":"1 × Pro plan (at $49.00 / month)","period":{"end":1730390745,\#
        "start":1727712345},"plan":{"id":"price_1Nv0HLLkdIwHu7ixPro","interval":"month","product":"prod_OiRkPro"},\#
        "quantity":1,"type":"subscription"}],"has_more":false,"total_count":1,\#
        "url":"/v1/invoices/in_1PzQ2kLkdIwHu7ixV8xYh3cD/lines"},"livemode":false,\#
        "metadata":{"userId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","tier":"gold"},"number":"ACME-0042-0007",\#
        "paid":true,"period_end":1727712345,\#
        "period_start":1725120345,"status":"paid","subscription":"sub_1Nv0HLLkdIwHu7ixSub4Kq",\#
        "subtotal":4900,"tax":null,"total":4900}},"livemode":false,"pending_webhooks":1,\#
        "request":{"id":null,"idempotency_key":"b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"},"type":"invoice.paid"}
        """#

    static var stripeEventBytes: [UInt8] { Array(stripeInvoicePaid.utf8) }

    /// Ordinary business prose, `count` bytes of it: what a summarisation task sends.
    static func prose(bytes count: Int) -> String {
        let sentences = [
            "The quarterly revenue report shows a steady increase in subscriptions across all regions.",
            "Please select a plan that fits your team and update the billing address before Friday.",
            "O'Brien and/or the finance team will review the drop in churn for the enterprise tier.",
            "Meeting notes: migrate the reporting jobs, rm the old dashboards from the wiki, and archive Q2.",
            "Customers on the gold tier receive priority support, a dedicated manager and monthly reviews.",
            "Invoices are generated on the first business day and paid automatically by card or transfer.",
            "Room rm 4 is booked for the onboarding session; bring the signed contracts and the agenda.",
            "Net revenue retention rose to 112% while gross margin held at 78% despite higher hosting costs.",
        ]
        var text = ""
        var index = 0
        while text.utf8.count < count {
            text += sentences[index % sentences.count]
            text += index % 5 == 4 ? "\n" : " "
            index += 1
        }
        return String(decoding: text.utf8.prefix(count), as: UTF8.self)
    }

    /// Task-like audit records (`task.succeeded`), distinct task ids, as the pipeline writes them.
    static func taskRecords(count: Int, seed: UInt64) -> [AuditRecord] {
        var random = RandomSource(seed: seed)
        return (0..<count).map { index in
            AuditRecord(
                type: "task.succeeded",
                fields: [
                    .init("task_id", .string(random.uuid())),
                    .init("bee", "finance"),
                    .init("funcname", "validate_revenue"),
                    .init("attempt", 1),
                    .init("duration_ms", .number(String(Double(Int(random.latency(median: 20, sigma: 0.8) * 1000)) / 1000))),
                    .init("payload_bytes", .number(1200 + index % 200)),
                    .init("payload_sha256", .string(Hex.encode(SHA256.hash(Array("payload \(index)".utf8))))),
                    .init("actor", "ops"),
                ])
        }
    }
}
