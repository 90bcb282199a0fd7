"""Chat and social channels against a local imitation of each API (tests/servers/channel_apis):
the exact requests, retries and rate-limit replies, permanent and transient errors, Thai text
within each medium's limits, and exactly-once posting across kill -9."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.channels.base import Channel, request_key
from automation.channels.facebook import FacebookChannel
from automation.channels.factory import publisher as channel_publisher
from automation.channels.google_chat import GoogleChatChannel
from automation.channels.http import Http
from automation.channels.line import LineChannel
from automation.channels.publisher import UNCERTAIN, ChannelPolicy, ChannelPublisher
from automation.channels.telegram import TelegramChannel
from automation.channels.webhook import WebhookChannel
from automation.errors import ConfigError, DeliveryError
from automation.ledger.sqlite import SqliteLedger
from automation.model import Decision, Registry, Submission
from automation.wiring import now
from tests.servers import channel_apis as api_mod
from tests.servers.channel_apis import NORMAL, ChannelAPIs, Reply
from tests.workspace import make_workspace

EMPTY = Registry((), frozenset())


class Tags(HTMLParser):
    """Every start tag in a piece of HTML, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def news(n: int = 1, **change: object) -> Submission:
    item = Submission(
        id=f"N-TEST{n:04d}", row=n + 1, submitted_at=None, email="kru@school.example.test",
        school="โรงเรียนบ้านดอนแก้ว", sender_name="นางสมศรี ใจดี", phone="0812345678",
        title=f"การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” ครั้งที่ {n}",
        body="นักเรียนทั้ง 4 สีร่วมขบวนพาเหรดอย่างสนุกสนาน\n\nสีเหลืองได้รับถ้วยรางวัลชนะเลิศ",
        activity_date=date(2026, 11, 10), images=(), links=(), category="ข่าวกิจกรรม",
        source="form", decision=Decision.APPROVED, note="", audience="", publish_after=None,
        urgent=False, cluster="เครือข่ายแม่ริม 1",
        url=f"https://pr.office.example.test/news/N-TEST{n:04d}.html",
    )
    return replace(item, **change)  # type: ignore[arg-type]


@pytest.fixture
def api() -> Iterator[ChannelAPIs]:
    with ChannelAPIs(hook_secret=api_mod.HOOK_SECRET) as server:
        yield server


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    db = SqliteLedger(tmp_path / "ledger.sqlite3")
    yield db
    db.close()


def make_channel(name: str, api: ChannelAPIs, **kw: object) -> Channel:
    http = Http(timeout=5)
    if name == "line":
        return LineChannel(str(kw.get("token", api_mod.LINE_TOKEN)),
                           kw.get("to", api_mod.LINE_TO), http,  # type: ignore[arg-type]
                           api_base=api.url, min_interval=0)
    if name == "telegram":
        return TelegramChannel(str(kw.get("token", api_mod.TELEGRAM_TOKEN)),
                               str(kw.get("chat", api_mod.TELEGRAM_CHAT)), http,
                               api_base=api.url, min_interval=0)
    if name == "facebook":
        return FacebookChannel(api_mod.FACEBOOK_PAGE, str(kw.get("token", api_mod.FACEBOOK_TOKEN)),
                               http, api_base=api.url, min_interval=0)
    if name == "google_chat":
        return GoogleChatChannel(api.chat_webhook, http, min_interval=0)
    return WebhookChannel(f"{api.url}/hook", http, secret=api_mod.HOOK_SECRET, min_interval=0)


class Posting:
    """A ChannelPublisher on a real ledger whose waits are recorded instead of slept."""

    def __init__(self, api: ChannelAPIs, ledger: SqliteLedger, *names: str,
                 policy: ChannelPolicy | None = None, **kw: object) -> None:
        self.sleeps: list[float] = []
        self.channels = [make_channel(n, api, **kw) for n in names]
        self.publisher = ChannelPublisher(
            self.channels, {n: True for n in names}, ledger, now,
            policy or ChannelPolicy(retries=3, max_wait=60), self.sleeps.append,
        )
        self.ledger = ledger

    def publish(self, item: Submission) -> str | None:
        try:
            self.publisher.publish(item, now())
        except DeliveryError as exc:
            return str(exc)
        return None

    def next_cycle(self) -> None:
        self.publisher.finish([], EMPTY, now())

    def status(self, channel: str, item: Submission) -> tuple[str, str]:
        """(sent | failed | retry — known not posted | pending — uncertain, why)."""
        record = self.ledger.get(f"post:{channel}:{item.id}")
        assert record is not None
        return "retry" if record.retry else record.status, record.error


# -- LINE -------------------------------------------------------------------------------


def test_line_push_sends_exact_request(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "line")
    assert p.publish(news()) is None
    (call,) = api.calls_to("line")
    assert call.method == "POST" and call.path == "/v2/bot/message/push"
    assert call.headers["authorization"] == f"Bearer {api_mod.LINE_TOKEN}"
    assert call.headers["x-line-retry-key"] == request_key("post:line:N-TEST0001")
    uuid.UUID(call.headers["x-line-retry-key"])  # LINE wants a UUID
    body = call.json()
    assert body["to"] == api_mod.LINE_TO
    (message,) = body["messages"]
    assert message["type"] == "text"
    text = message["text"]
    assert text.startswith("การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” ครั้งที่ 1\n")
    assert "โรงเรียนบ้านดอนแก้ว · เครือข่ายแม่ริม 1 · ข่าวกิจกรรม" in text
    assert "วันที่จัดกิจกรรม 10 พฤศจิกายน 2569" in text
    assert text.endswith("อ่านข่าวฉบับเต็ม: https://pr.office.example.test/news/N-TEST0001.html")
    assert p.status("line", news()) == ("sent", "")
    assert p.publish(news()) is None and len(api.calls_to("line")) == 1, "posted once"


def test_line_without_target_broadcasts(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "line", to=None)
    assert p.publish(news()) is None
    (call,) = api.calls_to("line")
    assert call.path == "/v2/bot/message/broadcast"
    assert "to" not in call.json()


def test_line_rate_limit_is_retried_with_the_same_retry_key(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("line", Reply(429, {"message": "The API rate limit has been exceeded. "
                                              "Try again later."}))
    p = Posting(api, ledger, "line")
    assert p.publish(news()) is None
    calls = api.calls_to("line")
    assert len(calls) == 2 and len(api.posts["line"]) == 1
    assert calls[0].headers["x-line-retry-key"] == calls[1].headers["x-line-retry-key"]
    assert p.sleeps == [2.0], "backoff before the retry"
    assert p.status("line", news()) == ("sent", "")


def test_line_monthly_limit_stops_the_channel_until_a_later_cycle(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("line", Reply(429, {"message": "You have reached your monthly limit."}))
    p = Posting(api, ledger, "line")
    error = p.publish(news(1))
    assert error and "โควตา" in error
    assert p.publish(news(2)) is not None, "the second item waits: it is not taken yet"
    assert len(api.calls_to("line")) == 1, "no request after a quota reply"
    assert p.sleeps == []
    for n in (1, 2):
        status, why = p.status("line", news(n))
        assert status == "retry" and why
    p.next_cycle()
    assert p.publish(news(1)) is None and p.publish(news(2)) is None
    assert [m["messages"][0]["text"].split("\n")[0][-1] for m in api.posts["line"]] == ["1", "2"]


def test_line_lost_reply_is_resent_and_line_drops_the_repeat(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("line", Reply(500, {"message": "Internal server error"}, accept=True))
    p = Posting(api, ledger, "line")
    assert p.publish(news()) is None
    calls = api.calls_to("line")
    assert len(calls) == 2, "sent again after a 5xx (it may or may not have gone through)"
    assert calls[0].headers["x-line-retry-key"] == calls[1].headers["x-line-retry-key"]
    assert len(api.posts["line"]) == 1, "LINE ran the request once"
    assert p.status("line", news()) == ("sent", "")


def test_line_bad_token_waits_without_failing_items(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "line", token="expired")
    error = p.publish(news(1))
    assert error and "401" in error and "token" in error
    assert p.publish(news(2))
    assert len(api.calls_to("line")) == 1
    assert p.status("line", news(2))[0] == "retry"


# -- Telegram ---------------------------------------------------------------------------


def test_telegram_message_is_html_with_people_s_text_escaped(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    hostile = news(title="<b>ประกาศ</b> & <script>alert(1)</script>",
                   body='ดูภาพ <a href="javascript:alert(1)">คลิก</a> & ขอบคุณ')
    p = Posting(api, ledger, "telegram")
    assert p.publish(hostile) is None
    (call,) = api.calls_to("telegram")
    assert call.path == f"/bot{api_mod.TELEGRAM_TOKEN}/sendMessage"
    body = call.json()
    assert body["chat_id"] == api_mod.TELEGRAM_CHAT and body["parse_mode"] == "HTML"
    text = body["text"]
    assert text.startswith("<b>&lt;b&gt;ประกาศ&lt;/b&gt; &amp; &lt;script&gt;alert(1)"
                           "&lt;/script&gt;</b>\n")
    assert '&lt;a href="javascript:alert(1)"&gt;คลิก&lt;/a&gt; &amp; ขอบคุณ' in text
    assert text.endswith('<a href="https://pr.office.example.test/news/N-TEST0001.html">'
                         "อ่านข่าวฉบับเต็ม</a>")
    tags = Tags()
    tags.feed(text)
    assert tags.seen == [("b", []), ("a", [("href", "https://pr.office.example.test/news/"
                                                     "N-TEST0001.html")])], "only our markup"


def test_telegram_429_waits_retry_after(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    api.script("telegram", Reply(429, {"ok": False, "error_code": 429,
                                       "description": "Too Many Requests: retry after 7",
                                       "parameters": {"retry_after": 7}}))
    p = Posting(api, ledger, "telegram")
    assert p.publish(news()) is None
    assert p.sleeps == [7.0]
    assert len(api.calls_to("telegram")) == 2 and len(api.posts["telegram"]) == 1


def test_telegram_long_flood_wait_goes_to_the_next_cycle(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("telegram", Reply(429, {"ok": False, "error_code": 429,
                                       "description": "Too Many Requests: retry after 900",
                                       "parameters": {"retry_after": 900}}))
    p = Posting(api, ledger, "telegram")
    error = p.publish(news())
    assert error and "429" in error
    assert p.sleeps == [], "a wait longer than max_wait is not slept through"
    assert p.status("telegram", news())[0] == "retry"
    p.next_cycle()
    assert p.publish(news()) is None
    assert len(api.posts["telegram"]) == 1


def test_telegram_chat_not_found_is_a_config_problem(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    p = Posting(api, ledger, "telegram", chat="@no_such_channel")
    error = p.publish(news(1))
    assert error and "chat not found" in error and "chat_id" in error
    assert p.publish(news(2))
    assert len(api.calls_to("telegram")) == 1


def test_telegram_photo_and_fallback_to_text(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "telegram")
    picture = news(1, images=("https://cdn.example.test/sports-day.jpg",),
                   body="ก" * 3000)
    drive = news(2, images=("https://drive.google.com/open?id=1aGk3sPortsDay01",))
    assert p.publish(picture) is None
    assert p.publish(drive) is None
    methods = [c.path.rsplit("/", 1)[1] for c in api.calls_to("telegram")]
    assert methods == ["sendPhoto", "sendPhoto", "sendMessage"]
    first, second = api.posts["telegram"]
    assert first["method"] == "sendPhoto" and len(first["caption"]) <= 1024
    assert first["caption"].startswith("<b>การแข่งขันกีฬาสีภายใน")
    drive_call = api.calls_to("telegram")[1].json()
    assert drive_call["photo"] == ("https://drive.google.com/uc?export=view"
                                   "&id=1aGk3sPortsDay01")
    assert second["method"] == "sendMessage" and "ครั้งที่ 2" in second["text"]


def test_telegram_lost_reply_is_never_sent_twice(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    api.script("telegram", Reply(drop=True))
    p = Posting(api, ledger, "telegram")
    error = p.publish(news())
    assert error == f"telegram: {UNCERTAIN}"
    assert p.status("telegram", news()) == ("failed", UNCERTAIN)
    p.next_cycle()
    assert p.publish(news()) is None
    assert len(api.calls_to("telegram")) == 1 and len(api.posts["telegram"]) == 1


# -- Facebook ---------------------------------------------------------------------------


def test_facebook_feed_post_exact_request(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "facebook")
    assert p.publish(news()) is None
    (call,) = api.calls_to("facebook")
    assert call.method == "POST" and call.path == f"/v21.0/{api_mod.FACEBOOK_PAGE}/feed"
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    form = call.form()
    assert set(form) == {"message", "link", "access_token"}
    assert form["access_token"] == api_mod.FACEBOOK_TOKEN
    assert form["link"] == "https://pr.office.example.test/news/N-TEST0001.html"
    assert form["message"].startswith("การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์”")
    assert "สีเหลืองได้รับถ้วยรางวัลชนะเลิศ" in form["message"]


@pytest.mark.parametrize(
    ("code", "transient", "expect"),
    [
        (190, None, "wait"),  # invalid token: the Page's problem, items wait
        (32, None, "wait"),  # page request limit: stop for this cycle
        (100, None, "failed"),  # invalid parameter: this post will never work
        (2, True, "sent"),  # temporary service error: retried at once
    ],
)
def test_facebook_error_codes(
    api: ChannelAPIs, ledger: SqliteLedger, code: int, transient: bool | None, expect: str
) -> None:
    error: dict[str, object] = {"message": f"(#{code}) error", "type": "OAuthException",
                                "code": code, "fbtrace_id": "Ab"}
    if transient is not None:
        error["is_transient"] = transient
    api.script("facebook", Reply(400, {"error": error}))
    p = Posting(api, ledger, "facebook")
    result = p.publish(news())
    status, why = p.status("facebook", news())
    if expect == "sent":
        assert result is None and status == "sent" and p.sleeps == [2.0]
        assert len(api.posts["facebook"]) == 1
    elif expect == "failed":
        assert result and status == "failed" and f"Facebook {code}" in why
        assert p.publish(news()) is None, "reported once; the item is not held"
    else:
        assert result and status == "retry" and why
        assert p.sleeps == [] and len(api.calls_to("facebook")) == 1


def test_facebook_lost_reply_is_looked_up_before_sending_again(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("facebook", Reply(500, "Service Unavailable", accept=True))
    p = Posting(api, ledger, "facebook")
    assert p.publish(news()) is None
    assert [(c.method, c.path.rsplit("/", 1)[1]) for c in api.calls_to("facebook")] == [
        ("POST", "feed"), ("GET", "posts")]
    assert api.calls_to("facebook")[1].query["fields"] == ["id,message"]
    assert len(api.posts["facebook"]) == 1
    assert p.status("facebook", news()) == ("sent", "")


def test_facebook_lost_request_is_sent_again(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    api.script("facebook", Reply(502, "Bad Gateway"))
    p = Posting(api, ledger, "facebook")
    assert p.publish(news()) is None
    assert [c.method for c in api.calls_to("facebook")] == ["POST", "GET", "POST"]
    assert len(api.posts["facebook"]) == 1


# -- Google Chat and the generic webhook ----------------------------------------------------


def test_google_chat_request_id_makes_a_resend_harmless(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("chat", Reply(503, {"error": {"code": 503, "message": "unavailable",
                                             "status": "UNAVAILABLE"}}, accept=True))
    p = Posting(api, ledger, "google_chat")
    assert p.publish(news(title="ประชุม <users/all> ครู")) is None
    calls = api.calls_to("chat")
    assert len(calls) == 2 and len(api.posts["chat"]) == 1
    key = request_key("post:google_chat:N-TEST0001")
    assert [c.query["requestId"] for c in calls] == [[key], [key]]
    assert calls[0].query["key"] == [api_mod.CHAT_KEY] and calls[0].query["token"] == [
        api_mod.CHAT_TOKEN]
    text = calls[0].json()["text"]
    assert text.startswith("*ประชุม ‹users/all› ครู*\n"), "no mention can be smuggled in"
    assert text.endswith("<https://pr.office.example.test/news/N-TEST0001.html|"
                         "อ่านข่าวฉบับเต็ม>")


def test_webhook_is_signed_idempotent_and_honours_retry_after(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("hook", Reply(503, "busy", {"Retry-After": "1"}))
    p = Posting(api, ledger, "webhook")
    item = news(links=("javascript:alert(1)", "https://example.org/scout-camp"))
    assert p.publish(item) is None
    assert p.sleeps == [1.0]
    first, second = api.calls_to("hook")
    key = request_key("post:webhook:N-TEST0001")
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == key
    want = hmac.new(api_mod.HOOK_SECRET.encode(), second.body, hashlib.sha256).hexdigest()
    assert second.headers["x-pr-signature"] == f"sha256={want}"
    (payload,) = api.posts["hook"]
    assert payload["event"] == "news.published" and payload["id"] == "N-TEST0001"
    assert payload["title"] == item.title and payload["school"] == "โรงเรียนบ้านดอนแก้ว"
    assert payload["activity_date"] == "2026-11-10"
    assert payload["links"] == ["https://example.org/scout-camp"]
    assert "email" not in payload and "phone" not in json.dumps(payload)


# -- targeting, limits, giving up ---------------------------------------------------------


def test_the_channels_column_chooses_channels(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    p = Posting(api, ledger, "line", "telegram")
    assert p.publish(news(1, channels="ไลน์")) is None
    assert p.publish(news(2, channels="ไม่โพสต์")) is None
    error = p.publish(news(3, channels="Telegram, TikTok"))
    assert error and "TikTok" in error
    assert p.publish(news(3, channels="Telegram, TikTok")) is None, "told once"
    assert p.publish(news(4)) is None  # empty: every channel
    line = [m["messages"][0]["text"].split("\n")[0][-1] for m in api.posts["line"]]
    telegram = [m["text"].split("\n")[0][-5] for m in api.posts["telegram"]]
    assert line == ["1", "4"] and telegram == ["3", "4"]


def test_long_thai_news_fits_every_medium(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    body = ("โรงเรียนจัดกิจกรรมส่งเสริมการอ่านภาษาไทยให้นักเรียนทุกระดับชั้น " * 400).strip()
    item = news(body=body, title="ก" * 280)
    p = Posting(api, ledger, "line", "telegram", "facebook", "google_chat", "webhook")
    assert p.publish(item) is None, "the fake APIs refuse anything over their limits"
    line = api.posts["line"][0]["messages"][0]["text"]
    telegram = api.posts["telegram"][0]["text"]
    facebook = api.posts["facebook"][0]["message"]
    chat = api.posts["chat"][0]["text"]
    assert len(line) <= 5000 and len(telegram) <= 4096 and len(chat) <= 4096
    assert len(facebook) <= 5000
    for text in (line, telegram, facebook, chat):
        assert "ก" * 280 in text and "…" in text and "https://pr.office.example.test/news/" in text
        assert "\ufffd" not in text
    assert api.posts["hook"][0]["body"] == body


def test_a_post_that_keeps_failing_is_given_up(api: ChannelAPIs, ledger: SqliteLedger) -> None:
    busy = Reply(503, "busy", {"Retry-After": "0"})
    api.script("hook", *[busy] * 6)
    p = Posting(api, ledger, "webhook", policy=ChannelPolicy(retries=1, max_attempts=4))
    assert p.publish(news())
    assert p.publish(news())
    error = p.publish(news())
    assert error and "เลิกพยายามหลัง 4 ครั้ง" in error
    assert p.status("webhook", news())[0] == "failed"
    assert p.publish(news()) is None and len(api.calls_to("hook")) == 4


def test_withdrawn_item_s_waiting_posts_are_cancelled(
    api: ChannelAPIs, ledger: SqliteLedger
) -> None:
    api.script("line", Reply(429, {"message": "You have reached your monthly limit."}))
    p = Posting(api, ledger, "line")
    assert p.publish(news())
    assert p.publisher.cancel("N-TEST0001") == 1
    assert p.status("line", news())[0] == "failed"
    p.next_cycle()
    assert p.publish(news()) is None and api.posts["line"] == []
    ledger.add_event("N-TEST0002", "withdrawn", now(), "ถอนก่อนโพสต์")
    assert p.publish(news(2)) is None
    assert api.posts["line"] == [] and ledger.get("post:line:N-TEST0002") is None


def test_channel_config_names_the_missing_secret(tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    path.write_text(
        '[sheets]\nworkbook = "w.xlsx"\n[mail]\noutbox = "out"\n'
        '[channels.telegram]\nchat_id = "@news"\ntoken_env = "PR_TEST_NO_SUCH_TOKEN"\n',
        encoding="utf-8",
    )
    config = config_mod.load(path)
    with pytest.raises(ConfigError, match=r"PR_TEST_NO_SUCH_TOKEN.*channels\.telegram\.token_env"):
        channel_publisher(config.channels, SqliteLedger(tmp_path / "l.sqlite3"), now)
    os.environ["PR_TEST_NO_SUCH_TOKEN"] = "123456:ABC ไทย"
    try:
        with pytest.raises(ConfigError, match="holds characters the bot token cannot have"):
            channel_publisher(config.channels, SqliteLedger(tmp_path / "l.sqlite3"), now)
    finally:
        del os.environ["PR_TEST_NO_SUCH_TOKEN"]
    path.write_text(path.read_text() + "enabled = false\n", encoding="utf-8")
    config = config_mod.load(path)
    assert channel_publisher(config.channels, SqliteLedger(tmp_path / "l2.sqlite3"), now) is None


# -- exactly once across kill -9 -----------------------------------------------------------

APPROVED_IN_DEMO = 5


def channel_workspace(folder: Path, api: ChannelAPIs) -> tuple[Path, dict[str, str]]:
    config = make_workspace(folder, extra_config=(
        "[channels]\nretries = 1\n"
        f'[channels.line]\nto = "{api_mod.LINE_TO}"\napi_base = "{api.url}"\nmin_interval = 0.0\n'
        f'[channels.telegram]\nchat_id = "{api_mod.TELEGRAM_CHAT}"\napi_base = "{api.url}"\n'
        "photo = false\nmin_interval = 0.0\n"
        f'[channels.webhook]\nurl = "{api.url}/hook"\nsecret_env = "PR_HOOK_SECRET"\n'
    ))
    env = {**os.environ, "LINE_CHANNEL_ACCESS_TOKEN": api_mod.LINE_TOKEN,
           "TELEGRAM_BOT_TOKEN": api_mod.TELEGRAM_TOKEN, "PR_HOOK_SECRET": api_mod.HOOK_SECRET}
    return config, env


def run(config: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "automation.cli", "--config", str(config), "run", "--once"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )


def kill_mid_post(config: Path, env: dict[str, str], api: ChannelAPIs) -> None:
    proc = run(config, env)
    deadline = time.monotonic() + 60
    while not api.hanging.is_set():
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the post to hold never came"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    api.release()


def item_of(service: str, post: dict[str, object]) -> str:
    if service == "hook":
        return str(post["id"])
    text = str(post["text"] if service == "telegram" else post["messages"][0]["text"])  # type: ignore[index]
    return text.rsplit("/news/", 1)[1].split(".html")[0]


def test_kill_9_mid_line_post_then_rerun_posts_every_item_once(
    tmp_path: Path, api: ChannelAPIs
) -> None:
    config, env = channel_workspace(tmp_path / "office", api)
    api.script("line", NORMAL, NORMAL, Reply(hang=True))  # the 3rd post is held, then killed
    kill_mid_post(config, env, api)
    assert len(api.posts["line"]) == 3 and len(api.posts["telegram"]) == 2
    rerun = run(config, env)
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    for service in ("line", "telegram", "hook"):
        items = Counter(item_of(service, p) for p in api.posts[service])
        assert len(items) == APPROVED_IN_DEMO, (service, items)
        assert set(items.values()) == {1}, f"{service}: an item was posted twice: {items}"
    keys = [c.headers["x-line-retry-key"] for c in api.calls_to("line")]
    assert len(keys) == APPROVED_IN_DEMO + 1 and len(set(keys)) == APPROVED_IN_DEMO, (
        "the held post was sent once more, with the same retry key, and LINE dropped it")
    assert Counter(keys).most_common(1)[0][1] == 2
    ledger = SqliteLedger(tmp_path / "office" / "ledger.sqlite3")
    posts = [r for r in ledger.deliveries(kind="post") if r.channel != "site"]
    assert len(posts) == 3 * APPROVED_IN_DEMO and {r.status for r in posts} == {"sent"}


def test_kill_9_mid_telegram_post_never_posts_twice(tmp_path: Path, api: ChannelAPIs) -> None:
    config, env = channel_workspace(tmp_path / "office", api)
    api.script("telegram", NORMAL, Reply(hang=True))
    kill_mid_post(config, env, api)
    held = item_of("telegram", api.posts["telegram"][1])
    rerun = run(config, env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    assert "ไม่แน่ใจว่าโพสต์สำเร็จหรือไม่" in out.decode(), "the officer is told to check"
    for service in ("line", "telegram", "hook"):
        items = Counter(item_of(service, p) for p in api.posts[service])
        assert len(items) == APPROVED_IN_DEMO and set(items.values()) == {1}, (service, items)
    ledger = SqliteLedger(tmp_path / "office" / "ledger.sqlite3")
    record = ledger.get(f"post:telegram:{held}")
    assert record is not None and record.status == "failed" and record.error == UNCERTAIN
    assert len(api.calls_to("telegram")) == APPROVED_IN_DEMO, "no second request for it"


def test_request_key_is_stable_per_post() -> None:
    assert request_key("post:line:N-1") == request_key("post:line:N-1")
    assert request_key("post:line:N-1") != request_key("post:telegram:N-1")
