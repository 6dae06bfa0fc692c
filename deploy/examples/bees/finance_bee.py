#!/usr/bin/env python3
"""Finance Bee: a worker-kind bee that validates Stripe-like revenue events.

Beekeeper writes one JSON line per task on stdin:
    {"id": "...", "funcname": "validate_revenue", "args": [event], "kwargs": {...}}
and the bee answers with one line per task on stdout:
    {"id": "...", "ok": true, "result": {...}}
    {"id": "...", "ok": false, "error": "...", "transient": false}

The Guardian has already checked the payload (see the rules in beekeeper.yaml), so this bee only
does business validation. Anything written to stderr goes to Beekeeper's log.
"""
import json
import sys

REVENUE_EVENTS = {"invoice.paid", "charge.succeeded", "payment_intent.succeeded"}


def validate_revenue(event):
    if not isinstance(event, dict):
        raise ValueError("event must be an object")
    if event.get("type") not in REVENUE_EVENTS:
        raise ValueError(f"not a revenue event: {event.get('type')!r}")
    obj = event.get("data", {}).get("object", {})
    amount = obj.get("amount_paid", obj.get("amount"))
    if not isinstance(amount, int) or amount <= 0:
        raise ValueError("amount must be a positive integer of minor units")
    currency = obj.get("currency", "")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise ValueError("currency must be a 3-letter ISO code")
    metadata = obj.get("metadata", {})
    return {
        "valid": True,
        "event_id": event.get("id"),
        "amount_minor": amount,
        "currency": currency.lower(),
        "user_id": metadata.get("userId"),
        "tier": metadata.get("tier"),
    }


HANDLERS = {"validate_revenue": validate_revenue}


def main():
    for line in sys.stdin:
        task = json.loads(line)
        reply = {"id": task["id"]}
        try:
            handler = HANDLERS[task["funcname"]]
            reply.update(ok=True, result=handler(*task.get("args", []), **task.get("kwargs", {})))
        except (ValueError, KeyError, TypeError) as error:
            reply.update(ok=False, error=str(error), transient=False)
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
