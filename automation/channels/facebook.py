"""Facebook Page: a feed post with a link to the news page (Graph API ``/{page-id}/feed``),
or a photo post (``/{page-id}/photos``, the picture by its https address on the board).

Graph API errors come as ``{"error": {"code", "error_subcode", "is_transient", "message"}}``.
A post whose reply was lost is looked up in the Page's recent posts before it is sent again.
"""

from __future__ import annotations

from datetime import timedelta

from automation.channels import format as fmt
from automation.channels.base import Post, Recovery, UncertainDelivery
from automation.channels.http import Http, json_of, retry_after, short
from automation.errors import DeliveryError

MESSAGE_CHARS = 5000
# Token expired/invalid, missing permission, blocked for policy: a person must act.
_ACCOUNT = {102, 190, 10, 368}
# Application, user, page and per-call throttling: wait and try again later.
_THROTTLED = {4, 17, 32, 341, 613, 80001}
_TRANSIENT = {1, 2}
_DUPLICATE = 506
_LOOKBACK = 25


class FacebookChannel:
    name = "facebook"

    def __init__(
        self, page_id: str, token: str, http: Http, *,
        api_base: str = "https://graph.facebook.com", api_version: str = "v21.0",
        min_interval: float = 2.0,
    ) -> None:
        self.page_id = page_id
        self.token = token
        self.http = http
        self.root = f"{api_base.rstrip('/')}/{api_version.strip('/')}/{page_id}"
        self.min_interval = min_interval

    def message(self, post: Post) -> str:
        return fmt.plain(post, MESSAGE_CHARS)

    def send(self, post: Post, key: str) -> str:
        data = {"message": self.message(post), "access_token": self.token}
        url = fmt.link(post)
        if post.photos:
            # A photo post: the first picture from the board, the text as its caption (the
            # page's link is in the text).
            data = {"url": post.photos[0][0], "caption": data["message"],
                    "access_token": self.token}
            edge = "photos"
        else:
            edge = "feed"
            if url:
                data["link"] = url
        response = self.http.request("POST", f"{self.root}/{edge}", "Facebook", data=data)
        body = json_of(response)
        if response.status_code == 200 and "id" in body:
            return str(body.get("post_id") or body["id"])
        _raise(response.status_code, body, retry_after(response))
        return "duplicate"  # _raise returns only for "this text is already on the Page"

    def recover(self, post: Post, key: str, age: timedelta) -> Recovery:
        """Look for the post among the Page's latest posts by its link (or title)."""
        response = self.http.request(
            "GET", f"{self.root}/posts", "Facebook",
            params={"fields": "id,message", "limit": str(_LOOKBACK),
                    "access_token": self.token},
        )
        body = json_of(response)
        if response.status_code != 200:
            _raise(response.status_code, body, retry_after(response))
        marker = fmt.link(post) or fmt.heading(post)
        posts = body.get("data") if isinstance(body.get("data"), list) else []
        assert isinstance(posts, list)
        for item in posts:
            if isinstance(item, dict) and marker in str(item.get("message", "")):
                return Recovery.SENT
        return Recovery.RESEND


def _raise(status: int, body: dict[str, object], wait: float | None) -> None:
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    assert isinstance(error, dict)
    code = error.get("code")
    code = int(code) if isinstance(code, int | str) and str(code).isdigit() else 0
    reason = short(error.get("message") or f"HTTP {status}")
    text = f"Facebook {code or status}: {reason}"
    if code == _DUPLICATE:
        # The same text is already on the Page: an earlier attempt got through.
        return
    if code in _ACCOUNT or 200 <= code <= 299:
        raise DeliveryError(f"{text}; ตรวจ Page access token และสิทธิ์ของเพจ",
                            permanent=True, scope="account")
    if code in _THROTTLED:
        raise DeliveryError(text, permanent=False, scope="account", retry_after=wait)
    if code in _TRANSIENT or error.get("is_transient") is True or status == 429:
        raise DeliveryError(text, permanent=False, retry_after=wait)
    if status >= 500 and not code:
        raise UncertainDelivery(text)
    raise DeliveryError(text, permanent=True)
