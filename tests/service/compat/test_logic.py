"""The compatible APIs' pure logic: codes, ignored tags, DeepL entries, signatures, the meter."""

import base64

import pytest

from service.compat.glossary import entries_tsv, parse_entries
from service.compat.languages import from_deepl, from_libre
from service.compat.tags import protect
from service.compat.usage import CharacterMeter
from service.compat.webhooks import ReplayGuard, confirmed_translation, sign, verify
from service.errors import QuotaExceeded, WebhookPayloadInvalid, WebhookRejected
from tm.errors import InvalidFile, InvalidLanguage


@pytest.mark.parametrize(
    ("code", "target", "expected"),
    [
        ("EN-GB", True, "en-GB"),
        ("en-us", True, "en-US"),
        ("PT-BR", True, "pt-BR"),
        ("ZH-HANS", True, "zh-Hans"),
        ("ZH-HANT", True, "zh-Hant"),
        ("EN", True, "en-US"),  # DeepL's deprecated alias
        ("ZH", True, "zh-Hans"),
        ("NB", False, "nb"),
        ("de", False, "de"),
    ],
)
def test_deepl_codes(code: str, target: bool, expected: str) -> None:
    assert from_deepl(code, target=target, field="f") == expected


@pytest.mark.parametrize(("code", "target"), [("EN-GB", False), ("XX", True), ("", True)])
def test_deepl_codes_refused(code: str, target: bool) -> None:
    with pytest.raises(InvalidLanguage, match="not supported"):
        from_deepl(code, target=target, field="target_lang")


@pytest.mark.parametrize(
    ("code", "expected"), [("en", "en"), ("pt-BR", "pt-BR"), ("zh", "zh-Hans"), ("zt", "zh-Hant")]
)
def test_libre_codes(code: str, expected: str) -> None:
    assert from_libre(code, field="target") == expected


@pytest.mark.parametrize(
    ("text", "tags", "masked", "translated", "restored"),
    [
        ('Hi <x id="1"></x>!', ["x"], 'Hi <x-keep id="0"/>!', 'Salut <x-keep id="0"/> !',
         'Salut <x id="1"></x> !'),
        ("A <code>rm -rf</code> and <code/>", ["code"],
         'A <x-keep id="0"/> and <x-keep id="1"/>', 'B <x-keep id="1"/> <x-keep id="0"/>',
         "B <code/> <code>rm -rf</code>"),
        ("No <b>tags</b> ignored", [], "No <b>tags</b> ignored", "X", "X"),
    ],
)  # fmt: skip
def test_ignore_tags(
    text: str, tags: list[str], masked: str, translated: str, restored: str
) -> None:
    protected = protect(text, tags)
    assert protected.text == masked
    assert protected.restore(translated) == restored


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("fever\tfièvre\ncough\ttoux\n", "tsv", [("fever", "fièvre"), ("cough", "toux")]),
        ('"a, b",c\nd,e,en,fr\n\n', "csv", [("a, b", "c"), ("d", "e")]),
    ],
)
def test_deepl_entries(text: str, fmt: str, expected: list[tuple[str, str]]) -> None:
    entries = parse_entries(text, fmt)
    assert [(e.source, e.targets[0]) for e in entries] == expected
    assert parse_entries(entries_tsv(entries), "tsv") == entries


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("a\tb\na\tc\n", "tsv", "'a' appears twice"),
        ("a\t\n", "tsv", "line 1 has an empty term"),
        ("a\tb\tc\n", "tsv", "line 1 needs source and target"),
        ("\n\n", "tsv", "the list is empty"),
        ("a\tb", "xlsx", "entries_format 'xlsx'"),
    ],
)
def test_deepl_entries_refused(text: str, fmt: str, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        parse_entries(text, fmt)


SECRET = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
"""The Standard Webhooks specification's example secret (whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)."""
BODY = b'{"test": 2432232314}'


def test_signature_of_the_specifications_example() -> None:
    signature = sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, BODY)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    ("headers", "now", "message"),
    [
        ({"webhook-id": "m1", "webhook-timestamp": "1614265330"}, 1614265330, "missing"),
        ({"webhook-timestamp": "soon"}, 1614265330, "not a Unix time"),
        ({"webhook-timestamp": "nan"}, 1614265330, "not a Unix time"),
        ({}, 1614265330 + 301, "tolerance"),
        ({"webhook-signature": "v1,AAAA"}, 1614265330, "no webhook-signature matches"),
        ({"webhook-signature": "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}, 1614265330,
         "no webhook-signature matches"),
    ],
)  # fmt: skip
def test_verify_refuses(headers: dict[str, str], now: float, message: str) -> None:
    good = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,bad v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    request = headers if message == "missing" else good | headers
    with pytest.raises(WebhookRejected, match=message):
        verify(SECRET, request, BODY, tolerance_s=300, guard=ReplayGuard(), scope="s", now=now)


def test_verify_accepts_once_then_refuses_the_replay() -> None:
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330.75",  # Weblate sends fractions; the signature floors
        "webhook-signature": "v1,other v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    guard = ReplayGuard()
    verify(SECRET, headers, BODY, tolerance_s=300, guard=guard, scope="s", now=1614265400)
    with pytest.raises(WebhookRejected, match="replay"):
        verify(SECRET, headers, BODY, tolerance_s=300, guard=guard, scope="s", now=1614265401)
    verify(SECRET, headers, BODY, tolerance_s=300, guard=guard, scope="other", now=1614265401)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"action": "Comment added"}, None),
        ({"action": "New translation", "source": ["a", "as"], "target": ["b", "bs"],
          "translation": "de"}, ("a", "b", "de", None)),
        ({"action": "Translation changed", "source": "a", "target": "c", "old": ["b"],
          "translation": "pt_BR"}, ("a", "c", "pt_BR", "b")),
    ],
)  # fmt: skip
def test_weblate_events(payload: dict, expected: tuple | None) -> None:
    found = confirmed_translation(payload)
    got = None if found is None else (found.source, found.target, found.target_lang, found.previous)
    assert got == expected


@pytest.mark.parametrize("payload", [[], {"x": 1}, {"action": "New translation", "source": ["a"]}])
def test_weblate_events_refused(payload: object) -> None:
    with pytest.raises(WebhookPayloadInvalid):
        confirmed_translation(payload)


def test_meter() -> None:
    meter = CharacterMeter(limit=10)
    meter.check("a", 10)
    meter.add("a", 7)
    with pytest.raises(QuotaExceeded, match="7 of 10"):
        meter.check("a", 4)
    meter.check("b", 10)  # per tenant
    assert (meter.used("a"), meter.used("b"), CharacterMeter().reported_limit() > 10**9) == (
        7,
        0,
        True,
    )
