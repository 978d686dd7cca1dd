"""The request bodies of the compatible APIs, as documented in the OpenAPI schema.

The routers read parameters from the query, a JSON body or a form body alike (each API's
clients use all three), so these models document the parameters rather than parse them;
`body_doc` puts one into a route's `openapi_extra`.
"""

from typing import Any

from pydantic import BaseModel, Field


class DeepLTranslate(BaseModel):
    text: list[str] = Field(description="The texts; repeat the form field for several.")
    target_lang: str = Field(description="DeepL target code: `DE`, `EN-GB`, `PT-BR`, `ZH-HANS`.")
    source_lang: str | None = Field(None, description="DeepL source code; detected if omitted.")
    glossary_id: str | None = Field(None, description="An adaptmt glossary id.")
    tag_handling: str | None = Field(None, description="`xml` or `html` (tags are always kept).")
    ignore_tags: list[str] | None = Field(None, description="Elements kept untranslated.")
    formality: str | None = Field(None, description="`default`, `more`, `less`, `prefer_*`.")
    context: str | None = Field(None, description="Text around the texts; shown, not translated.")
    split_sentences: str | None = Field(None, description="Accepted; texts are kept whole.")
    preserve_formatting: bool | None = Field(None, description="Accepted.")
    auth_key: str | None = Field(None, description="Legacy: the key as a parameter.")


class DeepLGlossary(BaseModel):
    name: str
    source_lang: str = Field(description="`en`, `de`, ...")
    target_lang: str
    entries: str = Field(description="`source<TAB>target` lines, or CSV rows.")
    entries_format: str = Field("tsv", description="`tsv` or `csv`.")


class DeepLDocument(BaseModel):
    file: bytes = Field(json_schema_extra={"format": "binary"})
    target_lang: str
    source_lang: str | None = Field(None, description="Detected when omitted (not XLIFF).")
    glossary_id: str | None = None
    filename: str | None = None
    output_format: str | None = Field(None, description="Only the input's own format.")


class DeepLDocumentKey(BaseModel):
    document_key: str = Field(description="The key `POST /v2/document` answered.")


class LibreTranslate(BaseModel):
    q: str | list[str]
    source: str = Field(description="A language code, or `auto`.")
    target: str
    format: str = Field("text", description="`text` or `html`.")
    api_key: str | None = None
    alternatives: int | None = Field(None, description="Accepted; none are returned.")


class LibreDetect(BaseModel):
    q: str
    api_key: str | None = None


class LibreFile(BaseModel):
    file: bytes = Field(json_schema_extra={"format": "binary"})
    source: str
    target: str
    api_key: str | None = None


class MMTTranslate(BaseModel):
    q: str | list[str]
    target: str
    source: str | None = Field(None, description="Detected when omitted.")
    context_vector: str | None = Field(None, description="`memory:weight,...`.")
    hints: str | None = Field(None, description="`memory,...`.")
    priority: str | None = None
    multiline: bool | None = None
    timeout: int | None = None
    session: str | None = None


class MMTMemory(BaseModel):
    name: str
    description: str | None = None
    external_id: str | None = None


class MMTContent(BaseModel):
    source: str = Field(description="The source language.")
    target: str = Field(description="The target language.")
    sentence: str
    translation: str
    tuid: str | None = Field(None, description="Required with PUT: the unit to correct.")
    session: str | None = None


class MMTContentMany(MMTContent):
    memories: str = Field(description="`memory,...`")


def body_doc(model: type[BaseModel], *media_types: str) -> dict[str, Any]:
    """`openapi_extra` documenting `model` as the body in each of `media_types`."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": schema} for media_type in media_types},
        }
    }


JSON_OR_FORM = ("application/json", "application/x-www-form-urlencoded")
MULTIPART = ("multipart/form-data",)
