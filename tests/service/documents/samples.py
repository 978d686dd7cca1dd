"""Real-world-shaped sample files, built in code: what OmegaT, Okapi, gettext, Word produce."""
# ruff: noqa: E501  (the samples keep the long lines the tools write)

import io
import zipfile

XLIFF_12 = b"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2" xmlns:okp="okapi-framework:xliff-extensions">
  <file original="guide.html" source-language="en-US" target-language="de-DE" datatype="html" okp:inputEncoding="UTF-8">
    <header><tool tool-id="okapi" tool-name="Okapi Rainbow"/></header>
    <body>
      <group id="g1" resname="nav">
        <trans-unit id="1" resname="menu.open">
          <source xml:lang="en-US">Open <g id="1" ctype="bold">the</g> file<x id="2" ctype="lb"/> &amp; save</source>
          <note>Toolbar button</note>
        </trans-unit>
      </group>
      <trans-unit id="2">
        <source xml:lang="en-US">Click <bpt id="1">&lt;a href="/x"&gt;</bpt>here<ept id="1">&lt;/a&gt;</ept>.</source>
        <target xml:lang="de-DE" state="final">Klicken Sie <bpt id="1">&lt;a href="/x"&gt;</bpt>hier<ept id="1">&lt;/a&gt;</ept>.</target>
      </trans-unit>
      <trans-unit id="3">
        <source xml:lang="en-US">Needs work</source>
        <target xml:lang="de-DE" state="needs-translation">Braucht Arbeit</target>
      </trans-unit>
      <trans-unit id="4" translate="no">
        <source xml:lang="en-US">adaptmt</source>
      </trans-unit>
      <trans-unit id="5">
        <source xml:lang="en-US">First sentence. Second sentence.</source>
        <seg-source><mrk mid="0" mtype="seg">First sentence.</mrk> <mrk mid="1" mtype="seg">Second sentence.</mrk></seg-source>
      </trans-unit>
    </body>
  </file>
</xliff>
"""

XLIFF_21 = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" xmlns:fs="urn:oasis:names:tc:xliff:fs:2.0"
       version="2.1" srcLang="en" trgLang="fr">
  <file id="f1" original="app.json">
    <unit id="welcome" name="home.welcome">
      <notes><note category="context">Home page banner</note></notes>
      <originalData>
        <data id="d1">&lt;b&gt;</data>
        <data id="d2">&lt;/b&gt;</data>
      </originalData>
      <segment id="s1" state="initial">
        <source>Welcome to <pc id="1" dataRefStart="d1" dataRefEnd="d2" fs:fs="b">adaptmt</pc>!</source>
      </segment>
      <ignorable><source> </source></ignorable>
      <segment id="s2">
        <source>Translate <ph id="2" disp="{count}"/> files.</source>
        <target>Traduisez <ph id="2" disp="{count}"/> fichiers.</target>
      </segment>
    </unit>
    <group id="legal" translate="no">
      <unit id="copyright"><segment><source>© adaptmt</source></segment></unit>
    </group>
    <unit id="bye"><segment><source>Goodbye.</source></segment></unit>
  </file>
</xliff>
""".encode()

PO = rb"""# German translations for adaptmt.
# Copyright (C) 2024 adaptmt
#
msgid ""
msgstr ""
"Project-Id-Version: adaptmt 1.0\n"
"Report-Msgid-Bugs-To: \n"
"POT-Creation-Date: 2024-05-01 12:00+0000\n"
"Language: de\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#. Label of the toolbar button that opens a file
#: adaptmt/ui.py:42
msgctxt "toolbar"
msgid "Open"
msgstr ""

#: adaptmt/ui.py:57
#, python-format
msgid "%(count)d file translated"
msgid_plural "%(count)d files translated"
msgstr[0] ""
msgstr[1] ""

#: adaptmt/ui.py:60
#, fuzzy
#| msgid "Save file"
msgid "Save the file"
msgstr "Datei speichern"

#: adaptmt/ui.py:61
msgid "Quit"
msgstr "Beenden"

#: adaptmt/ui.py:70
msgid ""
"A very long message that gettext wraps over several lines because it is longer "
"than seventy-nine columns."
msgstr ""

#~ msgid "Obsolete"
#~ msgstr "Veraltet"
"""

JSON = b"""{
  "app": {
    "title": "adaptmt",
    "welcome": "Welcome, {name}!",
    "files": "{count, plural, one {# file} other {# files}}",
    "retries": 3,
    "beta": true,
    "empty": ""
  },
  "steps": [
    "Upload your memory.",
    {"label": "Translate", "hint": "Uses <b>your</b> glossary"}
  ],
  "caf\\u00e9": "Caf\\u00e9 \\"latte\\"",
  "a.b/c": "Dotted key"
}
"""

HTML = b"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="description" content="Adaptive machine translation">
  <title>adaptmt &mdash; Home</title>
  <style>body { font-family: sans-serif; }</style>
  <script>const greeting = "Hello, world";</script>
</head>
<body>
  <nav class="top"><ul><li><a href="/">Home</a></li><li><a href="/docs" title="Read the docs">Docs</a></li></ul></nav>
  <main>
    <h1>Welcome to <em>adaptmt</em></h1>
    <p>Translate with <a href="/tm"><b>your</b> memories</a>. Tags stay intact.<br>
      Run <code>adaptmt serve</code> to start. <img src="logo.png" alt="The adaptmt logo"></p>
    <div>Text before a block
      <p>An inner paragraph.</p>
      and text after it.</div>
    <p translate="no">adaptmt GmbH</p>
    <pre>$ adaptmt serve --port 8000</pre>
    <form><input type="search" placeholder="Search the docs"></form>
  </main>
</body>
</html>
"""

MARKDOWN = b"""---
title: adaptmt
---

# adaptmt: *Adaptive* MT

[![CI](https://img.shields.io/badge/ci-passing-green)](https://ci.example.com)

adaptmt turns **fuzzy matches** from your memory into few-shot prompts. Read the
[guide](docs/guide.md "Guide") or visit https://example.com/adaptmt. Run `pip install adaptmt` first.

> **Note:** the service needs a running vLLM server
> and a translation memory.

- Install the package.
- Set `ADAPTMT_URL`, then start it.
  The server listens on port 8000.

1. Upload a TMX file &amp; a glossary.

| Option | Meaning |
|--------|---------|
| `--port` | The port to *listen* on. |
| `--host` | Address \\| name to bind. |

```bash
adaptmt serve --port 8000
```

    indented code stays

<div align="center">An HTML block stays.</div>

Setext heading
--------------

[docs]: https://example.com/docs
See [docs] for details_here and snake_case_names.
"""

TEXT = (
    b"Release notes\r\n\r\nThis release adds DOCX support. It also fixes two bugs!  "
    b"See the changelog.\r\n    Indented line of the same paragraph.\r\n\r\n\r\n"
    b"Version 2.0 (e.g. this one) ships in May.\r\n"
)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NAMESPACES = (
    f'xmlns:w="{_W}" xmlns:r="{_R}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
)
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_BOLD = "<w:rPr><w:b/><w:bCs/></w:rPr>"
_ITALIC = "<w:rPr><w:i/></w:rPr>"
_LINK = '<w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
_TEXTBOX = (
    "<w:r><w:drawing><wp:inline><wp:extent cx='1' cy='1'/><a:graphic><a:graphicData>"
    "<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Text in a box.</w:t></w:r></w:p>"
    "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:inline>"
    "</w:drawing></w:r>"
)
_PAGE_FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE '
    '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)

DOCX_BODY = f"""<w:body>
<w:p w:rsidR="00A1"><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:bookmarkStart w:id="0" w:name="_Toc1"/><w:r w:rsidR="00A1"><w:t>Getting</w:t></w:r><w:proofErr w:type="spellStart"/><w:r w:rsidR="00B2"><w:t xml:space="preserve"> started</w:t></w:r><w:proofErr w:type="spellEnd"/><w:bookmarkEnd w:id="0"/></w:p>
<w:p><w:r><w:t xml:space="preserve">This is </w:t></w:r><w:r>{_BOLD}<w:t>bold</w:t></w:r><w:r><w:t xml:space="preserve"> and </w:t></w:r><w:r>{_ITALIC}<w:t>italic</w:t></w:r><w:r><w:t xml:space="preserve"> text with a </w:t></w:r><w:hyperlink r:id="rId9" w:history="1"><w:r>{_LINK}<w:t>link to our site</w:t></w:r></w:hyperlink><w:r><w:t xml:space="preserve">. A second sentence has a note</w:t></w:r><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="1"/></w:r><w:r><w:t>.</w:t></w:r></w:p>
<w:p><w:r><w:t>Name:</w:t></w:r><w:r><w:tab/><w:t>Value</w:t><w:br/><w:t>Next line</w:t></w:r></w:p>
<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tr><w:tc><w:p><w:r><w:t>Cell one</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>{_BOLD}<w:t>Cell two</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t xml:space="preserve">See the box: </w:t></w:r>{_TEXTBOX}</w:p>
<w:p><w:r><w:t xml:space="preserve">This page is number </w:t></w:r>{_PAGE_FIELD}<w:r><w:t>.</w:t></w:r></w:p>
<w:p/>
<w:sectPr><w:headerReference w:type="default" r:id="rId7"/><w:footerReference w:type="default" r:id="rId8"/></w:sectPr>
</w:body>"""


def _part(root: str, content: str) -> str:
    return f"{_DECLARATION}<w:{root} {_NAMESPACES}>{content}</w:{root}>"


def docx() -> bytes:
    """A Word document as Word writes it: styles, runs split by revision ids, a header,
    a footer with a page field, a footnote, a table, a hyperlink, a text box, an image."""
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": _relationships(
            ("rId1", "officeDocument", "word/document.xml"),
            ("rId2", "metadata/core-properties", "docProps/core.xml"),
        ),
        "docProps/core.xml": '<?xml version="1.0"?><cp:coreProperties xmlns:cp="urn:x"/>',
        "word/document.xml": _part("document", DOCX_BODY),
        "word/_rels/document.xml.rels": _relationships(
            ("rId1", "styles", "styles.xml"),
            ("rId5", "footnotes", "footnotes.xml"),
            ("rId6", "image", "media/image1.png"),
            ("rId7", "header", "header1.xml"),
            ("rId8", "footer", "footer1.xml"),
            ("rId9", "hyperlink", "https://example.com", True),
        ),
        "word/styles.xml": _part("styles", '<w:style w:type="paragraph" w:styleId="Heading1"/>'),
        "word/header1.xml": _part("hdr", "<w:p><w:r><w:t>Company confidential</w:t></w:r></w:p>"),
        "word/footer1.xml": _part(
            "ftr", f"<w:p><w:r><w:t xml:space='preserve'>Page </w:t></w:r>{_PAGE_FIELD}</w:p>"
        ),
        "word/footnotes.xml": _part(
            "footnotes",
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            '<w:footnote w:id="1"><w:p><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
            '<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> See the manual.</w:t></w:r></w:p></w:footnote>',
        ),
        "word/media/image1.png": "\x89PNG not really",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(
                name, content.encode("latin-1") if name.endswith(".png") else content.encode()
            )
    return buffer.getvalue()


def _relationships(*rows: tuple) -> str:
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    items = "".join(
        f'<Relationship Id="{rid}" Type="{base}{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for rid, kind, target, *rest in rows
        for external in [bool(rest and rest[0])]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'
    )
