"""Beekeeper for Python: a signed client for the sidecar and worker-kind bees as decorated functions."""

from .client import DEFAULT_SERVER, Client, Event, EventReceipt, GuardianDecision, Response, TaskResult
from .errors import *  # noqa: F401,F403 - every error class is part of the API
from .errors import ERROR_CODES, APIError, BeekeeperError
from .keys import SigningKey
from .signing import canonical_string, sign_headers
from .worker import Bee, PermanentError, TransientError

__version__ = "0.1.0"

__all__ = [
    "Bee",
    "Client",
    "DEFAULT_SERVER",
    "ERROR_CODES",
    "APIError",
    "BeekeeperError",
    "Event",
    "EventReceipt",
    "GuardianDecision",
    "PermanentError",
    "Response",
    "SigningKey",
    "TaskResult",
    "TransientError",
    "canonical_string",
    "sign_headers",
]
