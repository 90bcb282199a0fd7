"""Hostile text costs time in proportion to its size, never its square.

Every function that runs a regular expression over mail or sheet text is fed inputs built
to make a backtracking engine try every split of a long run ("unsubscribe a@a@a@…", a
word followed by a million spaces, …). Each is timed at growing sizes up to megabytes;
every step multiplies the size by 4, and the time may grow by less than 10 (quadratic
growth is 16). Sizes grow only while the growth stays linear, so a regression fails in
seconds instead of hanging for hours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import Message

import pytest

from automation import thaidate
from automation.core import intake
from automation.inbox import classify, dsn, htmltext, parse, unsubscribe
from automation.text import addresses, lines, phones, thai
from tests.inbox_mail import OFFICE

SIZES = (4_000, 16_000, 64_000, 256_000, 1_024_000, 4_096_000)
RATIO = 10.0
FLOOR = 0.02  # seconds: below this a timing is noise


def _quiet(call: Callable[[str], object]) -> Callable[[str], object]:
    def run(value: str) -> object:
        try:
            return call(value)
        except ValueError:  # a located "cannot read this" is a fine answer to garbage
            return None
    return run


def _report(body: str, *, subject: str = "Delivery Status Notification (Failure)") -> object:
    msg = Message()
    msg["From"] = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
    msg["Subject"] = subject
    msg.set_payload(body)
    found = dsn.read_dsn(msg)
    classify.classify(msg, "mailer-daemon@googlemail.com", frozenset([OFFICE]))
    return found


def _mail(body: str) -> object:
    msg = Message()
    msg["From"] = "someone@school.example.test"
    msg["Subject"] = "unsubscribe " + body[:50_000]
    msg["Content-Type"] = "text/html; charset=utf-8"
    msg.set_payload(body)
    classify.classify(msg, "someone@school.example.test", frozenset([OFFICE]))
    return parse.body(msg)


# name: (function, input of about n characters, largest size tried)
CASES: dict[str, tuple[Callable[[str], object], Callable[[int], str], int]] = {
    "unsubscribe a@a@…": (
        lambda s: unsubscribe.mail_request(s, s), lambda n: "unsubscribe " + "a@" * (n // 2),
        SIZES[-1]),
    "gmail report a@a@…": (
        _report, lambda n: "Your message wasn't delivered to " + "a@" * (n // 2), SIZES[-1]),
    "gmail report repeated phrase": (
        _report, lambda n: "delivery to the following recipient failed " * (n // 44),
        SIZES[-1]),
    "microsoft report unclosed quote": (
        _report, lambda n: "Remote Server returned '" * (n // 24), SIZES[-1]),
    "microsoft report a@a@…": (
        _report, lambda n: "Your message to " + "a@" * (n // 2), SIZES[-1]),
    "report blank-line split": (
        _report, lambda n: "\n" + " " * n + "x", SIZES[-1]),
    "html mail": (_mail, lambda n: "<p>" + "<a href='x" * (n // 10), SIZES[-3]),
    "html comment": (lambda s: htmltext.html_to_text(s), lambda n: "<!--" + "-" * n, SIZES[-3]),
    **{f"html {unit}": (lambda s: htmltext.html_to_text(s),
                        lambda n, u=unit: "<p>" + u * (n // len(u)), SIZES[-3])
       for unit in ("<a href='x>", '<a b="', "<", "</a", "<!x", "<![", "<?x", "&#x")},
    "links": (htmltext.find_links, lambda n: "http://" * (n // 7), SIZES[-1]),
    "trailing spaces": (lines.clean_text, lambda n: "a" + " " * n + "b", SIZES[-1]),
    "single line": (lines.single_line, lambda n: "a" + " \u200b" * (n // 2) + "b", SIZES[-1]),
    "addresses และ": (addresses.split_addresses, lambda n: "a " * (n // 2) + "และ", SIZES[-2]),
    "addresses quotes": (addresses.parse_addresses, lambda n: '"' * n, SIZES[-2]),
    "addresses a@a@…": (addresses.parse_addresses, lambda n: "a@" * (n // 2), SIZES[-2]),
    "email problem": (addresses.email_problem, lambda n: "a." * (n // 2) + "@", SIZES[-1]),
    "phones": (phones.normalize_phones, lambda n: "1 " * (n // 2) + "x", SIZES[-3]),
    "phone ext": (phones.phone_problem, lambda n: " " * n + "x", SIZES[-1]),
    "date": (_quiet(thaidate.parse_date), lambda n: "1 " * (n // 2), SIZES[-2]),
    "decision": (intake.read_decision, lambda n: " -" * (n // 2), SIZES[-1]),
    "school name": (thai.fuzzy_key, lambda n: "โรงเรียน " * (n // 9), SIZES[-3]),
    "message key": (
        lambda s: parse.message_key(parse.parse_headers(f"Message-ID: {s}\r\n\r\n".encode()),
                                    b""),
        lambda n: "<" * n, SIZES[-2]),
}


def _seconds(call: Callable[[str], object], value: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        call(value)
        best = min(best, time.perf_counter() - start)
        if best > 0.5:
            break
    return best


@pytest.mark.parametrize("name", list(CASES))
def test_time_grows_linearly_with_hostile_input(name: str) -> None:
    call, make, largest = CASES[name]
    previous = _seconds(call, make(SIZES[0]))
    for size in SIZES[1:]:
        if size > largest:
            break
        took = _seconds(call, make(size))
        ratio = took / max(previous, FLOOR)
        assert ratio < RATIO, (
            f"{name}: {size // 4:,} → {size:,} characters took {previous:.3f} → {took:.3f} s "
            f"(×{ratio:.1f}; linear is ×4)")
        previous = took
