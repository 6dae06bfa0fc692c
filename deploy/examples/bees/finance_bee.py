#!/usr/bin/env python3
"""Finance Bee: a worker-kind bee that validates Stripe-like revenue events.

Written with the `beekeeper` Python package (clients/python): the decorated function serves the
worker protocol of SPEC section 5 on stdin/stdout. A `PermanentError` fails the task at once;
a `beekeeper.TransientError` would make Beekeeper retry it per the bee's `retries`.

The Guardian has already checked the payload (see the rules in beekeeper.yaml), so this bee only
does business validation. Anything written to stderr (or printed) goes to Beekeeper's log.
"""
import os
import sys

try:
    import beekeeper
except ImportError:  # run from a checkout without `pip install`: the package sits in the repository
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "..", "..", "clients", "python", "src"))
    import beekeeper

REVENUE_EVENTS = {"invoice.paid", "charge.succeeded", "payment_intent.succeeded"}

bee = beekeeper.Bee("finance")


@bee.function("validate_revenue")
def validate_revenue(event):
    if not isinstance(event, dict):
        raise beekeeper.PermanentError("event must be an object")
    if event.get("type") not in REVENUE_EVENTS:
        raise beekeeper.PermanentError(f"not a revenue event: {event.get('type')!r}")
    obj = event.get("data", {}).get("object", {})
    amount = obj.get("amount_paid", obj.get("amount"))
    if not isinstance(amount, int) or amount <= 0:
        raise beekeeper.PermanentError("amount must be a positive integer of minor units")
    currency = obj.get("currency", "")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise beekeeper.PermanentError("currency must be a 3-letter ISO code")
    metadata = obj.get("metadata", {})
    return {
        "valid": True,
        "event_id": event.get("id"),
        "amount_minor": amount,
        "currency": currency.lower(),
        "user_id": metadata.get("userId"),
        "tier": metadata.get("tier"),
    }


if __name__ == "__main__":
    bee.run()
