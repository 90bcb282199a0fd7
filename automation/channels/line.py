"""LINE Official Account through the Messaging API (push to a group/user, or broadcast).

LINE Notify was shut down in 2025; the Messaging API is what remains. Every request carries
``X-Line-Retry-Key``: LINE runs a request with a given key once and answers a repeat with
409, so an uncertain post can be sent again safely while the key is remembered (24 hours).
"""

from __future__ import annotations

from datetime import timedelta

from automation.channels import format as fmt
from automation.channels.base import Post, Recovery, UncertainDelivery
from automation.channels.http import Http, json_of, retry_after, short
from automation.errors import DeliveryError

TEXT_LIMIT = 5000  # characters in one text message
BODY_CHARS = 1200  # a chat message is a teaser; the page has the rest
RETRY_KEY_LIFETIME = timedelta(hours=23)
PICTURES = 4  # image messages after the text: five messages per push at most


class LineChannel:
    name = "line"

    def __init__(
        self, token: str, to: str | None, http: Http, *,
        api_base: str = "https://api.line.me", min_interval: float = 1.0,
    ) -> None:
        self.token = token
        self.to = to
        self.http = http
        self.api_base = api_base.rstrip("/")
        self.min_interval = min_interval

    def text(self, post: Post) -> str:
        return fmt.plain(post, min(TEXT_LIMIT, BODY_CHARS + 600))

    def messages(self, post: Post) -> list[dict[str, str]]:
        """The text, then the pictures (LINE takes five messages per request)."""
        pictures = [{"type": "image", "originalContentUrl": web, "previewImageUrl": thumb}
                    for web, thumb in post.photos[:PICTURES]]
        return [{"type": "text", "text": self.text(post)}, *pictures]

    def send(self, post: Post, key: str) -> str:
        if self.to:
            url, body = f"{self.api_base}/v2/bot/message/push", {"to": self.to}
        else:
            url, body = f"{self.api_base}/v2/bot/message/broadcast", {}
        body["messages"] = self.messages(post)  # type: ignore[assignment]
        response = self.http.request(
            "POST", url, "LINE", json=body,
            headers={"Authorization": f"Bearer {self.token}", "X-Line-Retry-Key": key},
        )
        status = response.status_code
        if status == 200:
            return response.headers.get("x-line-request-id", "")
        accepted = response.headers.get("x-line-accepted-request-id")
        if status == 409 and accepted:
            return accepted  # an earlier attempt with this key got through
        reason = short(json_of(response).get("message") or response.reason)
        if status == 429:
            if "monthly limit" in reason.casefold():
                raise DeliveryError(f"LINE: ใช้โควตาข้อความของเดือนนี้หมดแล้ว ({reason})",
                                    permanent=False, scope="account")
            raise DeliveryError(f"LINE 429: {reason}", permanent=False,
                                retry_after=retry_after(response))
        if status in (401, 403):
            raise DeliveryError(f"LINE {status}: {reason}; ตรวจ channel access token",
                                permanent=True, scope="account")
        if status == 400 and "'to'" in reason:
            raise DeliveryError(f"LINE 400: {reason}; ตรวจ [channels.line] to",
                                permanent=True, scope="account")
        if status >= 500:
            raise UncertainDelivery(f"LINE {status}: {reason}")
        raise DeliveryError(f"LINE {status}: {reason}", permanent=True)

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        return Recovery.RESEND if age < RETRY_KEY_LIFETIME else Recovery.UNKNOWN
