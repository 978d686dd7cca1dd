import pytest

from service.placeholders import Kind, Placeholder, count_codes, mask, strip_codes, unmask

MASKED = [
    # (text, masked text, originals in order of appearance)
    ("Click <b>OK</b> now", "Click <t1>OK</t1> now", ["<b>", "</b>"]),
    ("<g1>Hi</g1> <x2/>", "<t1>Hi</t1> <t2/>", ["<g1>", "</g1>", "<x2/>"]),
    ("a<br/>b<br>c", "a<t1/>b<t2/>c", ["<br/>", "<br>"]),
    ('<a href="/x?a=1&amp;b=2">link</a>', "<t1>link</t1>", ['<a href="/x?a=1&amp;b=2">', "</a>"]),
    (
        '<bpt i="1">&lt;b&gt;</bpt>bold<ept i="1">&lt;/b&gt;</ept>',
        "<t1>bold</t1>",
        ['<bpt i="1">&lt;b&gt;</bpt>', '<ept i="1">&lt;/b&gt;</ept>'],
    ),
    (
        'x<ph x="1">&lt;br/&gt;</ph>y<ph id="2"/>',
        "x<t1/>y<t2/>",
        ['<ph x="1">&lt;br/&gt;</ph>', '<ph id="2"/>'],
    ),
    ('<it pos="begin">&lt;i&gt;</it>z', "<t1/>z", ['<it pos="begin">&lt;i&gt;</it>']),
    ("Hello {0}, {name} and {}", "Hello <t1/>, <t2/> and <t3/>", ["{0}", "{name}", "{}"]),
    ("Total {0:.2f} {{user.name}}", "Total <t1/> <t2/>", ["{0:.2f}", "{{user.name}}"]),
    (
        "%s of %d, %1$s, %.2f%%",
        "<t1/> of <t2/>, <t3/>, <t4/><t5/>",
        ["%s", "%d", "%1$s", "%.2f", "%%"],
    ),
    ("%(count)d files, %@, %2", "<t1/> files, <t2/>, <t3/>", ["%(count)d", "%@", "%2"]),
    ("Hi $name, ${total} due", "Hi <t1/>, <t2/> due", ["$name", "${total}"]),
    ("<b>unclosed and <i>closed</i>", "<t1/>unclosed and <t2>closed</t2>", ["<b>", "<i>", "</i>"]),
    ("stray </b> close", "stray <t1/> close", ["</b>"]),
    ("<b><i>x</i></b>", "<t1><t2>x</t2></t1>", ["<b>", "<i>", "</i>", "</b>"]),
    ("<b>1</b><b>2</b>", "<t1>1</t1><t2>2</t2>", ["<b>", "</b>", "<b>", "</b>"]),
]

LEFT_AS_TEXT = [
    "{count, plural, one {# file} other {# files}}",  # ICU: the model must translate the branches
    "Fish &amp; chips",  # entities are text escapes
    "It costs $5 or 50% off",  # money and percentages
    "if x <y and z> w",  # attributes need values, so prose is not a tag
    "<input disabled>",  # ...which leaves bare HTML attributes unmasked too
    "plain text",
]


@pytest.mark.parametrize(("text", "masked_text", "originals"), MASKED)
def test_mask(text: str, masked_text: str, originals: list[str]) -> None:
    masked = mask(text)
    assert masked.text == masked_text
    assert [p.original for p in masked.placeholders] == originals


@pytest.mark.parametrize("text", [row[0] for row in MASKED] + LEFT_AS_TEXT)
def test_round_trip_is_exact(text: str) -> None:
    masked = mask(text)
    restored = unmask(masked.text, masked)
    assert restored.text == text
    assert restored.ok


@pytest.mark.parametrize("text", LEFT_AS_TEXT)
def test_left_as_text(text: str) -> None:
    assert mask(text).text == text


RESTORE = [
    # (source, model output, restored text, lost, added, duplicated, misordered)
    ("Click <b>OK</b>", "Klicken Sie auf <t1>OK</t1>", "Klicken Sie auf <b>OK</b>", (), (), (), ()),
    (
        "Click <b>OK</b>",
        "Klicken Sie auf <T1>OK< /t1 >",
        "Klicken Sie auf <b>OK</b>",
        (),
        (),
        (),
        (),
    ),
    ("Click <b>OK</b>", "Klicken Sie auf OK", "Klicken Sie auf OK", ("<t1>", "</t1>"), (), (), ()),
    ("Hi {0}", "Hallo <t1/> <t2/>", "Hallo {0} ", (), ("<t2/>",), (), ()),
    ("Hi {0}", "Hallo <t1/> <t1/>", "Hallo {0} {0}", (), (), ("<t1/>",), ()),
    ("Click <b>OK</b>", "</t1>OK<t1>", "</b>OK<b>", (), (), (), ("<t1>",)),
    ("Click <b>OK</b>", "Klicken <t1/>", "Klicken ", ("<t1>", "</t1>"), ("<t1/>",), (), ()),
]


@pytest.mark.parametrize(
    ("source", "output", "text", "lost", "added", "duplicated", "misordered"), RESTORE
)
def test_unmask_reports_what_the_model_did(
    source: str,
    output: str,
    text: str,
    lost: tuple[str, ...],
    added: tuple[str, ...],
    duplicated: tuple[str, ...],
    misordered: tuple[str, ...],
) -> None:
    restored = unmask(output, mask(source))
    assert (
        restored.text,
        restored.lost,
        restored.added,
        restored.duplicated,
        restored.misordered,
    ) == (
        text,
        lost,
        added,
        duplicated,
        misordered,
    )
    assert restored.ok is not any((lost, added, duplicated, misordered))


def test_model_may_move_a_pair() -> None:
    masked = mask("Press <b>Cancel</b> or <i>OK</i>")
    restored = unmask("Drücken Sie <t2>OK</t2> oder <t1>Abbrechen</t1>", masked)
    assert restored.text == "Drücken Sie <i>OK</i> oder <b>Abbrechen</b>"
    assert restored.ok


def test_target_reuses_the_numbers_of_its_source() -> None:
    source = mask("Press <b>OK</b> or <i>Cancel</i> for {0}")
    target = mask("Für {0} <i>Abbrechen</i> oder <b>OK</b> drücken <br/>", reference=source)
    assert target.text == "Für <t3/> <t2>Abbrechen</t2> oder <t1>OK</t1> drücken <t4/>"


def test_placeholders_describe_their_token() -> None:
    masked = mask("<b>x</b>{0}")
    assert masked.placeholders == (
        Placeholder(1, Kind.OPEN, "<b>"),
        Placeholder(1, Kind.CLOSE, "</b>"),
        Placeholder(2, Kind.EMPTY, "{0}"),
    )
    assert masked.original("</t1>") == "</b>"
    assert masked.original("<t9/>") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<t1>a</t1> <t2/>", {"<t1>": 1, "</t1>": 1, "<t2/>": 1}),
        ("< T1 >a</t1 >", {"<t1>": 1, "</t1>": 1}),
        ("<b>a</b> {0} {0}", {"<b>": 1, "</b>": 1, "{0}": 2}),
        ("no codes", {}),
    ],
)
def test_count_codes(text: str, expected: dict[str, int]) -> None:
    assert count_codes(text) == expected


def test_strip_codes() -> None:
    assert strip_codes("a<t1/>b {0} <b>c</b>").split() == ["a", "b", "c"]
