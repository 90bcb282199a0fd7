"""A generic JSON webhook: the item's public fields for any receiver (an intranet, a CMS).

Each request carries ``Idempotency-Key`` (the same for every attempt of one post) so a
receiver can drop repeats, and, when a secret is set, ``X-PR-Signature: sha256=<hmac>``
over the exact body so it can check the sender.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from automation.channels import format as fmt
from automation.channels.base import Post, Recovery, UncertainDelivery
from automation.channels.http import Http, retry_after, short
from automation.core.render import is_safe_url
from automation.errors import DeliveryError

SUMMARY_CHARS = 500


class WebhookChannel:
    name = "webhook"

    def __init__(
        self, url: str, http: Http, *, secret: str | None = None, min_interval: float = 0.0
    ) -> None:
        self.url = url
        self.http = http
        self.secret = secret
        self.min_interval = min_interval

    def payload(self, post: Post) -> dict[str, object]:
        return {
            "event": "news.published",
            "id": post.item_id,
            "title": post.title,
            "school": post.school,
            "cluster": post.cluster,
            "category": post.category,
            "activity_date": post.activity_date.isoformat() if post.activity_date else None,
            "url": fmt.link(post),
            "summary": fmt.excerpt(post, SUMMARY_CHARS),
            "body": post.body,
            "images": [u for u in post.images if is_safe_url(u)],
            "links": [u for u in post.links if is_safe_url(u)],
            "urgent": post.urgent,
        }

    def send(self, post: Post, key: str) -> str:
        body = json.dumps(self.payload(post), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
        if self.secret:
            digest = hmac.new(self.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
            headers["X-PR-Signature"] = f"sha256={digest}"
        response = self.http.request("POST", self.url, "webhook", data=body, headers=headers)
        status = response.status_code
        if 200 <= status < 300 or status == 409:  # 409: the receiver already has this key
            return response.headers.get("Location", "") or str(status)
        reason = short(response.text or response.reason, 150)
        if status in (429, 503):
            raise DeliveryError(f"webhook {status}: {reason}", permanent=False,
                                retry_after=retry_after(response))
        if status in (401, 403, 404, 410):
            raise DeliveryError(f"webhook {status}: {reason}; ตรวจที่อยู่และรหัสลับ",
                                permanent=True, scope="account")
        if status >= 500 or status == 408:
            raise UncertainDelivery(f"webhook {status}: {reason}")
        raise DeliveryError(f"webhook {status}: {reason}", permanent=True)

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        return Recovery.RESEND
