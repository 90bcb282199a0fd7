"""Telegram bot: sendPhoto (when the item has a fetchable picture) or sendMessage to a channel.

The Bot API has no idempotency key and a bot cannot read back a channel's history, so a post
whose reply was lost is reported as uncertain rather than risked twice.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from automation.channels import format as fmt
from automation.channels.base import Post, Recovery, UncertainDelivery
from automation.channels.http import Http, json_of, retry_after, short
from automation.errors import DeliveryError

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BODY_CHARS = 1500
# A picture Telegram cannot fetch: post the text instead (nothing was posted).
_PHOTO_REFUSED = ("wrong file", "photo", "web page content", "failed to get http url",
                  "wrong type", "file must be non-empty", "image_process_failed")


class TelegramChannel:
    name = "telegram"

    def __init__(
        self, token: str, chat_id: str, http: Http, *, photo: bool = True,
        api_base: str = "https://api.telegram.org", min_interval: float = 3.0,
    ) -> None:
        self.token = token
        self.chat_id = chat_id
        self.http = http
        self.photo = photo
        self.api_base = api_base.rstrip("/")
        self.min_interval = min_interval

    def text(self, post: Post, limit: int) -> str:
        """HTML (Telegram's small subset) within ``limit`` characters, user text escaped."""
        head = f"<b>{_esc(fmt.heading(post))}</b>"
        lines = [_esc(p) for p in (fmt.byline(post), fmt.when(post)) if p]
        top = "\n".join([head, *lines])
        url = fmt.link(post)
        tail = f'<a href="{html.escape(url, quote=True)}">{fmt.READ_MORE}</a>' if url else ""
        room = min(BODY_CHARS, limit - len(top) - len(tail) - 4)
        body = _esc(fmt.excerpt(post, room)) if room > 20 else ""
        while len(body) + len(top) + len(tail) + 4 > limit and body:
            # Escaping lengthened the text (&lt; for <): cut the plain text again, shorter.
            room -= max(10, len(body) + len(top) + len(tail) + 4 - limit)
            body = _esc(fmt.excerpt(post, room)) if room > 20 else ""
        return "\n\n".join(p for p in (top, body, tail) if p)

    def send(self, post: Post, key: str) -> str:
        # The board's own copy first (stripped, sized); a public link in the sheet otherwise.
        picture = post.photos[0][0] if post.photos else next(
            (u for u in map(fmt.direct_image, post.images) if u), None)
        if self.photo and picture:
            try:
                return self._call("sendPhoto", {
                    "chat_id": self.chat_id, "photo": picture, "parse_mode": "HTML",
                    "caption": self.text(post, CAPTION_LIMIT),
                })
            except DeliveryError as exc:
                refused = exc.permanent and exc.scope == "recipient" and any(
                    word in str(exc).casefold() for word in _PHOTO_REFUSED
                )
                if not refused:
                    raise
        return self._call("sendMessage", {
            "chat_id": self.chat_id, "text": self.text(post, TEXT_LIMIT), "parse_mode": "HTML",
        })

    def _call(self, method: str, payload: dict[str, Any]) -> str:
        response = self.http.request(
            "POST", f"{self.api_base}/bot{self.token}/{method}", "Telegram", json=payload
        )
        data = json_of(response)
        if response.status_code == 200 and data.get("ok") is True:
            result = data.get("result") or {}
            return str(result.get("message_id", "")) if isinstance(result, dict) else ""
        status = int(data.get("error_code") or response.status_code)
        reason = short(data.get("description") or response.reason)
        parameters = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        assert isinstance(parameters, dict)
        if status == 429:
            wait = parameters.get("retry_after")
            seconds = float(wait) if isinstance(wait, int | float) else retry_after(response)
            raise DeliveryError(f"Telegram 429: {reason}", permanent=False, retry_after=seconds)
        if status == 401:
            raise DeliveryError(f"Telegram 401: {reason}; ตรวจ bot token", permanent=True,
                                scope="account")
        if status == 403 or "chat not found" in reason.casefold():
            raise DeliveryError(f"Telegram {status}: {reason}; ตรวจ chat_id และสิทธิ์ของบอตในช่อง",
                                permanent=True, scope="account")
        if "migrate_to_chat_id" in parameters:
            raise DeliveryError(
                f"Telegram: กลุ่มย้ายไปเป็น {parameters['migrate_to_chat_id']}; แก้ chat_id",
                permanent=True, scope="account",
            )
        if status >= 500:
            raise UncertainDelivery(f"Telegram {status}: {reason}")
        raise DeliveryError(f"Telegram {status}: {reason}", permanent=True)

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        return Recovery.UNKNOWN


def _esc(text: str) -> str:
    return html.escape(text, quote=False)
