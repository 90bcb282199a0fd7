"""One HTTP server on 127.0.0.1 imitating the chat/social APIs the worker posts to.

    with ChannelAPIs() as api:
        ... post with api_base = api.url ...
        assert api.posts["telegram"][0]["text"].startswith("<b>")

Each service answers with its real request and response shapes, checks its credentials,
and keeps what it *published* in ``posts`` (what people would see) apart from every
request in ``calls``:

* LINE Messaging API — ``POST /v2/bot/message/push`` and ``/broadcast`` (1–5 text or image
  messages; an image's ``originalContentUrl``/``previewImageUrl`` must be https) with a Bearer
  token; ``X-Line-Retry-Key`` honoured (a repeat of an accepted key gets 409 with
  ``x-line-accepted-request-id``); errors as ``{"message": ...}``.
* Telegram Bot API — ``POST /bot<token>/sendMessage`` and ``/sendPhoto``; replies
  ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error_code", "description",
  "parameters": {"retry_after"}}``; a photo address that is not a picture is refused.
* Facebook Graph API — ``POST /v21.0/<page>/feed`` and ``/photos`` (``url``, ``caption``:
  answers ``{"id": <photo>, "post_id": <post>}``), ``GET .../posts``;
  errors as ``{"error": {"message", "type", "code", "fbtrace_id"}}``; the same text twice in
  a row is refused with code 506, as Facebook does.
* Google Chat incoming webhook — ``POST /v1/spaces/<space>/messages?key=&token=``;
  ``requestId`` makes a repeat return the message already created.
* A JSON webhook receiver at ``/hook`` that drops repeats of an ``Idempotency-Key``.

``script(service, Reply(...), ...)`` queues answers for that service's next requests:
a plain reply is returned *instead* of the normal handling (nothing is published);
``accept=True`` publishes first and then answers with the scripted status (a 5xx after the
post was made); ``drop=True`` closes the connection without answering; ``hang=True``
publishes and then holds the answer until ``release()`` (for killing a client mid-post);
``NORMAL`` lets one request through as usual (to script the n-th request).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LINE_TOKEN = "line-token-Abc123+/="
LINE_TO = "C1234567890abcdef1234567890abcdef"
TELEGRAM_TOKEN = "123456:ABC-DEF_test"
TELEGRAM_CHAT = "@office_pr_news"
FACEBOOK_PAGE = "1029384756"
FACEBOOK_TOKEN = "EAAB-page-token"
CHAT_SPACE = "AAAAtest"
CHAT_KEY = "chat-key"
CHAT_TOKEN = "chat-token"
HOOK_SECRET = "hook-secret"


@dataclass(frozen=True)
class Call:
    service: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    accept: bool = False
    drop: bool = False
    hang: bool = False


NORMAL = Reply(status=0, accept=True)


@dataclass
class _Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ChannelAPIs:
    def __init__(self, hook_secret: str | None = None) -> None:
        self.hook_secret = hook_secret
        self.calls: list[Call] = []
        self.posts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.hanging = threading.Event()
        self._release = threading.Event()
        self._scripts: dict[str, list[Reply]] = defaultdict(list)
        self._lock = threading.Lock()
        self._line_keys: dict[str, str] = {}
        self._chat_requests: dict[str, dict[str, Any]] = {}
        self._hook_keys: set[str] = set()
        self._server: ThreadingHTTPServer | None = None

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> ChannelAPIs:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                api._handle(self)

            def do_POST(self) -> None:
                api._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> ChannelAPIs:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def chat_webhook(self) -> str:
        return f"{self.url}/v1/spaces/{CHAT_SPACE}/messages?key={CHAT_KEY}&token={CHAT_TOKEN}"

    def script(self, service: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[service].extend(replies)

    def release(self) -> None:
        self._release.set()

    def calls_to(self, service: str) -> list[Call]:
        return [c for c in self.calls if c.service == service]

    def wait_for(self, service: str, posts: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.posts[service]) < posts:
            if time.monotonic() > deadline:
                raise AssertionError(f"{service}: {len(self.posts[service])} posts, wanted {posts}")
            time.sleep(0.005)

    # -- dispatch ---------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        service = _service(parsed.path)
        call = Call(service, h.command, parsed.path, urllib.parse.parse_qs(parsed.query),
                    {k.lower(): v for k, v in h.headers.items()}, body)
        with self._lock:
            self.calls.append(call)
            scripted = self._scripts[service].pop(0) if self._scripts[service] else None
        if scripted is not None and not (scripted.accept or scripted.hang or scripted.drop):
            self._send(h, _Answer(scripted.status, scripted.body, scripted.headers))
            return
        with self._lock:
            answer = getattr(self, f"_{service}")(call)
        if scripted is None:
            self._send(h, answer)
            return
        if scripted.hang:
            self.hanging.set()
            self._release.wait()
        if scripted.drop or scripted.hang:
            h.close_connection = True
            h.connection.close()
            return
        if scripted.status == 0:
            self._send(h, answer)
            return
        self._send(h, _Answer(scripted.status, scripted.body, scripted.headers))

    def _send(self, h: BaseHTTPRequestHandler, answer: _Answer) -> None:
        if isinstance(answer.body, bytes | str):
            data = answer.body.encode() if isinstance(answer.body, str) else answer.body
            kind = "text/plain; charset=utf-8"
        else:
            data = json.dumps(answer.body, ensure_ascii=False).encode()
            kind = "application/json; charset=utf-8"
        try:
            h.send_response(answer.status)
            h.send_header("Content-Type", kind)
            h.send_header("Content-Length", str(len(data)))
            for k, v in answer.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client is gone (killed mid-request)

    # -- LINE ---------------------------------------------------------------------------

    def _line(self, call: Call) -> _Answer:
        if call.headers.get("authorization") != f"Bearer {LINE_TOKEN}":
            return _Answer(401, {"message": "Authentication failed. Confirm that the access "
                                            "token in the authorization header is valid."})
        key = call.headers.get("x-line-retry-key", "")
        if key in self._line_keys:
            return _Answer(409, {"message": "The retry key is already accepted"},
                           {"x-line-accepted-request-id": self._line_keys[key]})
        data = call.json()
        if call.path.endswith("/push") and not str(data.get("to", "")).startswith(("U", "C", "R")):
            return _Answer(400, {"message": "The property, 'to', in the request body is invalid "
                                            "(line: -, column: -)"})
        messages = data.get("messages", [])
        if not 1 <= len(messages) <= 5:
            return _Answer(400, {"message": "The request body has 1 error(s)", "details": [
                {"message": "Size must be between 1 and 5", "property": "messages"}]})
        for n, message in enumerate(messages):
            if message.get("type") == "image":
                for key in ("originalContentUrl", "previewImageUrl"):
                    url = str(message.get(key, ""))
                    if not url.startswith("https://") or len(url) > 2000:
                        return _Answer(400, {"message": "The request body has 1 error(s)",
                                             "details": [{"message": "must be non-empty text "
                                                          "and start with https://",
                                                          "property": f"messages[{n}].{key}"}]})
                continue
            if message.get("type") != "text" or len(message.get("text", "")) > 5000:
                return _Answer(400, {"message": "The request body has 1 error(s)",
                                     "details": [{"message": "Length must be between 0 and 5000",
                                                  "property": "messages[0].text"}]})
        request_id = f"req-{len(self.posts['line']) + 1}"
        if key:
            self._line_keys[key] = request_id
        self.posts["line"].append(data)
        return _Answer(200, {"sentMessages": [{"id": str(10**17 + len(self.posts["line"])),
                                               "quoteToken": "q"}]},
                       {"x-line-request-id": request_id})

    # -- Telegram -----------------------------------------------------------------------

    def _telegram(self, call: Call) -> _Answer:
        token, _, method = call.path.removeprefix("/bot").partition("/")
        if token != TELEGRAM_TOKEN:
            return _Answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        data = call.json()
        if data.get("chat_id") != TELEGRAM_CHAT:
            return _Answer(400, {"ok": False, "error_code": 400,
                                 "description": "Bad Request: chat not found"})
        if method == "sendPhoto":
            if not str(data.get("photo", "")).endswith((".jpg", ".png")):
                return _Answer(400, {"ok": False, "error_code": 400, "description":
                                     "Bad Request: wrong type of the web page content"})
            if len(data.get("caption", "")) > 1024:
                return _Answer(400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request: message caption is too long"})
        elif method == "sendMessage":
            if len(data.get("text", "")) > 4096:
                return _Answer(400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request: message is too long"})
        else:
            return _Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        self.posts["telegram"].append({"method": method, **data})
        return _Answer(200, {"ok": True, "result": {
            "message_id": len(self.posts["telegram"]), "date": int(time.time()),
            "chat": {"id": -1001234567890, "type": "channel", "username": "office_pr_news"},
        }})

    # -- Facebook -----------------------------------------------------------------------

    def _facebook(self, call: Call) -> _Answer:
        _version, page, edge = call.path.strip("/").split("/")
        fields = call.form() if call.method == "POST" else {k: v[0] for k, v in call.query.items()}
        if page != FACEBOOK_PAGE or fields.get("access_token") != FACEBOOK_TOKEN:
            return _Answer(400, {"error": {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException", "code": 190, "fbtrace_id": "AxYz"}})
        if call.method == "GET" and edge == "posts":
            limit = int(fields.get("limit", "25"))
            newest = list(reversed(self.posts["facebook"]))[:limit]
            return _Answer(200, {"data": [{"id": p["id"], "message": p["message"]}
                                          for p in newest]})
        if call.method == "POST" and edge == "photos":
            if not fields.get("url", "").startswith("https://"):
                return _Answer(400, {"error": {"message": "(#324) Requires upload file",
                                               "type": "OAuthException", "code": 324,
                                               "fbtrace_id": "Pic"}})
            number = len(self.posts["facebook"]) + 1
            post_id = f"{FACEBOOK_PAGE}_{number}"
            self.posts["facebook"].append({"id": post_id, "message": fields.get("caption", ""),
                                           **fields})
            return _Answer(200, {"id": f"9{number:05d}", "post_id": post_id})
        if call.method == "POST" and edge == "feed":
            last = self.posts["facebook"][-1] if self.posts["facebook"] else None
            if last is not None and last["message"] == fields.get("message"):
                return _Answer(400, {"error": {"message": "(#506) Duplicate status message",
                                               "type": "OAuthException", "code": 506,
                                               "fbtrace_id": "Dup"}})
            post_id = f"{FACEBOOK_PAGE}_{len(self.posts['facebook']) + 1}"
            self.posts["facebook"].append({"id": post_id, **fields})
            return _Answer(200, {"id": post_id})
        return _Answer(400, {"error": {"message": "Unsupported request", "type":
                                       "GraphMethodException", "code": 100}})

    # -- Google Chat --------------------------------------------------------------------

    def _chat(self, call: Call) -> _Answer:
        query = {k: v[0] for k, v in call.query.items()}
        if query.get("key") != CHAT_KEY or query.get("token") != CHAT_TOKEN:
            return _Answer(401, {"error": {"code": 401, "message": "Request had invalid "
                                           "authentication credentials.",
                                           "status": "UNAUTHENTICATED"}})
        request_id = query.get("requestId", "")
        if request_id and request_id in self._chat_requests:
            return _Answer(200, self._chat_requests[request_id])
        data = call.json()
        if not data.get("text"):
            return _Answer(400, {"error": {"code": 400, "message": "Message cannot be empty.",
                                           "status": "INVALID_ARGUMENT"}})
        message = {"name": f"spaces/{CHAT_SPACE}/messages/m{len(self.posts['chat']) + 1}",
                   "text": data["text"], "createTime": "2026-11-25T08:00:00.000000Z"}
        self.posts["chat"].append(message)
        if request_id:
            self._chat_requests[request_id] = message
        return _Answer(200, message)

    # -- generic webhook receiver -------------------------------------------------------

    def _hook(self, call: Call) -> _Answer:
        if self.hook_secret is not None:
            import hashlib
            import hmac

            want = "sha256=" + hmac.new(self.hook_secret.encode(), call.body,
                                        hashlib.sha256).hexdigest()
            if call.headers.get("x-pr-signature") != want:
                return _Answer(401, "bad signature")
        key = call.headers.get("idempotency-key", "")
        if key in self._hook_keys:
            return _Answer(200, {"duplicate": True})
        self._hook_keys.add(key)
        self.posts["hook"].append(call.json())
        return _Answer(202, {"accepted": True})


def _service(path: str) -> str:
    if path.startswith("/v2/bot/"):
        return "line"
    if path.startswith("/bot"):
        return "telegram"
    if path.startswith("/v1/spaces/"):
        return "chat"
    if path.startswith("/hook"):
        return "hook"
    return "facebook"
