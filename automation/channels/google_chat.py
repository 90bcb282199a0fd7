"""Google Chat incoming webhook: one text message per item into a space.

The webhook address holds the space's key and token, so it is read from the environment.
``requestId`` makes the create idempotent: a repeat returns the message already made.
"""

from __future__ import annotations

from datetime import timedelta

from automation.channels import format as fmt
from automation.channels.base import Post, Recovery, UncertainDelivery
from automation.channels.http import Http, json_of, retry_after, short
from automation.errors import DeliveryError

TEXT_LIMIT = 4096
BODY_CHARS = 1200
REQUEST_ID_LIFETIME = timedelta(hours=23)


class GoogleChatChannel:
    name = "google_chat"

    def __init__(self, webhook_url: str, http: Http, *, min_interval: float = 1.0) -> None:
        self.webhook_url = webhook_url
        self.http = http
        self.min_interval = min_interval

    def text(self, post: Post) -> str:
        """Chat's markup: *bold* and <url|label>. Angle brackets in people's text would be
        read as links or mentions, so they become look-alike brackets."""
        top = [f"*{_inert(fmt.heading(post))}*"]
        top += [_inert(p) for p in (fmt.byline(post), fmt.when(post)) if p]
        url = fmt.link(post)
        tail = f"<{url}|{fmt.READ_MORE}>" if url else ""
        head = "\n".join(top)
        room = min(BODY_CHARS, TEXT_LIMIT - len(head) - len(tail) - 4)
        body = _inert(fmt.excerpt(post, room)) if room > 20 else ""
        return "\n\n".join(p for p in (head, body, tail) if p)

    def send(self, post: Post, key: str) -> str:
        response = self.http.request(
            "POST", self.webhook_url, "Google Chat", params={"requestId": key},
            json={"text": self.text(post)},
            headers={"Content-Type": "application/json; charset=UTF-8"},
        )
        body = json_of(response)
        status = response.status_code
        if status == 200:
            return str(body.get("name", ""))
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        assert isinstance(error, dict)
        reason = short(error.get("message") or response.reason)
        if status == 429:
            raise DeliveryError(f"Google Chat 429: {reason}", permanent=False,
                                retry_after=retry_after(response))
        if status in (401, 403, 404):
            raise DeliveryError(f"Google Chat {status}: {reason}; ตรวจที่อยู่ webhook ของห้อง",
                                permanent=True, scope="account")
        if status >= 500:
            raise UncertainDelivery(f"Google Chat {status}: {reason}")
        raise DeliveryError(f"Google Chat {status}: {reason}", permanent=True)

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        return Recovery.RESEND if age < REQUEST_ID_LIFETIME else Recovery.UNKNOWN


def _inert(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")
