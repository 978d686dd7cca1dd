"""Tests of service/documents/markdown.py: blocks, inline syntax as tags, prefixes kept."""

from service.documents import read_document, write_document
from service.documents.base import Document
from tests.service.documents.samples import MARKDOWN


def read(data: bytes = MARKDOWN) -> Document:
    return read_document(data, "README.md", source_lang="en", target_lang="de")


def test_prose_is_segmented_and_code_urls_and_link_targets_are_codes() -> None:
    segments = [(s.id, s.context, s.source) for s in read().segments]
    assert segments == [
        ("1.1", "heading 1", "adaptmt: <g1>Adaptive</g1> MT"),
        (
            "3.1",
            "paragraph",
            "adaptmt turns <g1>fuzzy matches</g1> from your memory into few-shot prompts.",
        ),
        ("3.2", "paragraph", "Read the\n<g2>guide</g2> or visit <x3/>."),
        ("3.3", "paragraph", "Run <x4/> first."),
        (
            "4.1",
            "block quote",
            "<g1>Note:</g1> the service needs a running vLLM server\nand a translation memory.",
        ),
        ("5.1", "list item", "Install the package."),
        ("6.1", "list item", "Set <x1/>, then start it."),
        ("6.2", "list item", "The server listens on port 8000."),
        ("7.1", "list item", "Upload a TMX file &amp;amp; a glossary."),
        ("8.1", "table header", "Option"),
        ("9.1", "table header", "Meaning"),
        ("11.1", "table cell", "The port to <g1>listen</g1> on."),
        ("13.1", "table cell", "Address \\| name to bind."),
        ("14.1", "heading 2", "Setext heading"),
        ("15.1", "paragraph", "See <g1>docs</g1> for details_here and snake_case_names."),
    ]


def test_round_trip_is_byte_identical_crlf_included() -> None:
    for data in (MARKDOWN, MARKDOWN.replace(b"\n", b"\r\n")):
        document = read(data)
        assert write_document(document, {s.id: s.source for s in document.segments}) == data


def test_translations_keep_syntax_prefixes_and_table_shape() -> None:
    written = write_document(
        read(),
        {
            "1.1": "adaptmt: <g1>Adaptive</g1> MÜ",
            "3.2": "Lesen Sie die <g2>Anleitung</g2> oder besuchen Sie <x3/>.",
            "4.1": "<g1>Hinweis:</g1> Der Dienst braucht\neinen laufenden\nvLLM-Server.",
            "6.1": "Setzen Sie <x1/> und starten Sie ihn.",
            "11.1": "Der Port, auf dem er <g1>lauscht</g1> | hört.",
        },
    ).decode()
    assert "# adaptmt: *Adaptive* MÜ\n" in written
    assert (
        'Lesen Sie die [Anleitung](docs/guide.md "Guide") oder besuchen Sie https://example.com/adaptmt.'
        in written
    )
    assert "> **Hinweis:** Der Dienst braucht\n> einen laufenden\n> vLLM-Server.\n" in written
    assert "- Setzen Sie `ADAPTMT_URL` und starten Sie ihn.\n  The server listens" in written
    assert "| `--port` | Der Port, auf dem er *lauscht* \\| hört. |\n" in written
    assert "```bash\nadaptmt serve --port 8000\n```" in written
