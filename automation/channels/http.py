"""The one place channels touch the network: requests, with failures mapped to the
project's errors. Messages never carry URLs or headers, which hold tokens."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from automation import __version__
from automation.channels.base import UncertainDelivery
from automation.errors import DeliveryError

USER_AGENT = f"automation-pr-worker/{__version__}"


class Http:
    def __init__(self, timeout: float, session: requests.Session | None = None) -> None:
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def request(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        """Make one request; ``what`` names the service in error messages."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ConnectTimeout:
            raise DeliveryError(f"{what}: connection timed out", permanent=False) from None
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise DeliveryError(f"{what}: cannot connect", permanent=False) from None
            raise UncertainDelivery(f"{what}: connection lost before the reply") from None
        except requests.Timeout:
            raise UncertainDelivery(f"{what}: no reply within {self.timeout:g} s") from None
        except requests.RequestException as exc:
            raise UncertainDelivery(f"{what}: {type(exc).__name__}") from None


def _never_connected(exc: BaseException) -> bool:
    """True when the request cannot have left this machine (refused, DNS failure)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        nested = current.args[0] if current.args else None
        current = nested if isinstance(nested, BaseException) else current.__cause__
    return False


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def json_of(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def short(text: object, limit: int = 200) -> str:
    """A service's error text, one line, bounded (it ends up in the sheet and reports)."""
    return " ".join(str(text).split())[:limit]
