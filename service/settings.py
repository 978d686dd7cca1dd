"""The service's one settings object: every `ADAPTMT_*` environment variable, validated at start.

Build it with `Settings()` (reads the environment and a `.env` file in the working
directory) or `Settings(field=value, ...)` in tests; nothing else in the service reads the
environment. The README's configuration table lists the same fields.
"""

from pathlib import Path
from typing import Annotated, Literal

from platformdirs import user_data_path
from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.comet import DEFAULT_BATCH_SIZE, check_checkpoint_files, check_device
from service.compat.webhooks import secret_bytes
from service.llm import LLMConfig
from service.logs import LogFormat
from service.pipeline import Options
from service.prompts import DEFAULT_LAYOUT, FewShotLayout
from tm.models import DEFAULT_TENANT

DEFAULT_LLM_URL = "http://127.0.0.1:8000/v1"
"""Where `vllm serve MODEL` listens by default."""

DEFAULT_PORT = 8080
"""Not vLLM's 8000, so both run side by side on one host with their defaults."""

DEFAULT_MALLOC_ARENAS = 2
"""glibc arenas per server process: the README's "Document jobs" measures jobs with 2 and
with glibc's default; 2 did not slow a job beyond this machine's noise."""


def default_database_url() -> str:
    """A SQLite file in the user's data directory (e.g. ~/.local/share/adaptmt/)."""
    return f"sqlite:///{user_data_path('adaptmt') / 'adaptmt.sqlite3'}"


Percent = Annotated[int, Field(ge=0, le=100)]


class WebhookConfig(BaseModel):
    """Where one webhook's confirmed translations go: a Standard Webhooks secret and a memory."""

    secret: SecretStr = Field(description="The `whsec_<base64>` secret Weblate shows.")
    tenant: str = Field(DEFAULT_TENANT, description="The tenant whose memory receives them.")
    memory: str = Field(description="The memory (id or name) the translations go into.")
    source_lang: str = Field(description="The project's source language (Weblate omits it).")

    @field_validator("secret")
    @classmethod
    def _whsec(cls, secret: SecretStr) -> SecretStr:
        secret_bytes(secret.get_secret_value())  # raises ValueError with what is wrong
        return secret


class Settings(BaseSettings):
    """Configuration of the service, the CLI and the pipeline's defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ADAPTMT_", env_file=".env", extra="ignore", validate_default=True
    )

    # -- storage ---------------------------------------------------------------------------
    database_url: str = Field(
        default_factory=default_database_url,
        description="`sqlite:///path` (the embedded default) or `postgresql://...`.",
    )

    # -- the LLM -----------------------------------------------------------------------------
    llm_url: str = Field(DEFAULT_LLM_URL, description="Base URL of the OpenAI-compatible API.")
    llm_model: str | None = Field(None, description="Model name; None: the first listed.")
    llm_api_key: SecretStr | None = Field(None, description="Sent as `Authorization: Bearer`.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Per LLM request attempt.")
    llm_max_concurrency: int = Field(128, ge=1, description="LLM requests in flight at once.")
    llm_max_retries: int = Field(3, ge=0, description="Retries on connect errors, 429, 502-504.")
    llm_temperature: float = Field(0.0, ge=0, le=2)
    max_prompt_tokens: int = Field(
        3072, ge=256, description="Prompt budget; the least similar examples are dropped first."
    )

    # -- the pipeline's defaults (a request's `options` may override them) -----------------------
    reuse_threshold: Percent = Field(100, description="A TM match this good is reused as is.")
    min_match_score: Percent = Field(50, description="Weakest TM match used as an example.")
    max_examples: int = Field(5, ge=0, le=20, description="TM matches shown to the model.")
    few_shot_layout: FewShotLayout = DEFAULT_LAYOUT
    ape: bool = Field(True, description="Post-edit drafts that fail a check (one extra call).")

    # -- quality estimation (the `comet` extra) ----------------------------------------------
    qe_model: Path | None = Field(
        None,
        description="A reference-free COMET checkpoint directory (CometKiwi) with its encoder's "
        "config and tokenizer in encoder/; every machine translation is then scored. None: no QE.",
    )
    qe_url: str | None = Field(
        None,
        description="Another adaptmt that has ADAPTMT_QE_MODEL: score through its /v1/qe "
        "(one GPU copy of the model for every replica).",
    )
    qe_api_key: SecretStr | None = Field(None, description="The key for ADAPTMT_QE_URL.")
    qe_review_below: float | None = Field(
        None, description="QE score under which a segment is marked `needs_review`."
    )
    qe_device: str = Field("auto", description="auto, cpu, cuda or cuda:N; also `adaptmt eval`.")
    qe_batch_size: int = Field(
        DEFAULT_BATCH_SIZE,
        ge=1,
        description="Segments per COMET forward pass; also `adaptmt eval`.",
    )

    # -- the HTTP server -------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    insecure_no_auth: bool = Field(
        False, description="Serve without API keys on a non-loopback address (trusted networks)."
    )
    max_segments: int = Field(256, ge=1, description="Segments per translate request.")
    max_segment_chars: int = Field(10_000, ge=1, description="Characters per segment.")
    max_upload_mb: int = Field(512, ge=1, description="Largest TMX/TBX/CSV upload.")
    log_format: LogFormat = Field(
        LogFormat.TEXT, description="`text`, or `json`: one object per line with the request id."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe level logged; `info` logs one line per request."
    )
    malloc_arena_max: int = Field(
        DEFAULT_MALLOC_ARENAS,
        ge=0,
        description="glibc malloc arenas a server process uses (0: glibc's default, 8 per "
        "core): few keep the C heap from growing with a job's hops between threads.",
    )

    # -- document translation jobs -------------------------------------------------------------
    job_workers: int = Field(2, ge=1, description="Jobs one server translates at once.")
    job_concurrency: int = Field(
        64, ge=1, description="Segments of one job in the pipeline at once."
    )
    job_batch_segments: int = Field(
        16, ge=1, description="Segments per pipeline call; results are saved per batch."
    )
    job_retention_hours: float = Field(
        168, gt=0, description="How long finished jobs and their results are kept."
    )
    job_lease_s: float = Field(
        30, gt=0, description="A worker's hold on a job; a dead worker's job resumes after it."
    )
    job_poll_s: float = Field(1.0, gt=0, description="How often idle workers look for jobs.")

    # -- compatible APIs (DeepL /v2, LibreTranslate, ModernMT) and webhooks (service.compat) -----
    compat_memories: dict[str, list[str]] = Field(
        default_factory=dict,
        description="JSON: tenant -> memories (ids or names) that the tenant's DeepL-, "
        "LibreTranslate- and ModernMT-style requests use when they name none, e.g. "
        '`{"acme": ["acme-main"], "local": ["m_1a2b"]}`.',
    )
    compat_character_limit: int | None = Field(
        None,
        ge=1,
        description="Characters a tenant may translate per calendar month (UTC) through the "
        "compatible APIs (DeepL answers 456 over it); counted by each server process. None: "
        "no limit.",
    )
    webhooks: dict[str, WebhookConfig] = Field(
        default_factory=dict,
        description="JSON: webhook name -> {secret (whsec_...), tenant, memory, source_lang}; "
        "Weblate posts to /webhooks/weblate/{name}.",
    )
    webhook_tolerance_s: int = Field(
        300, ge=1, description="How far a webhook's timestamp may be from now (replay window)."
    )

    @field_validator("llm_url")
    @classmethod
    def _strip_slash(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL, e.g. {DEFAULT_LLM_URL}")
        return url.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "postgresql:", "postgres:")) and not Path(url).suffix:
            raise ValueError(f"{url!r} is neither sqlite:///PATH nor postgresql://...")
        return url

    @field_validator("qe_model")
    @classmethod
    def _comet_checkpoint(cls, path: Path | None) -> Path | None:
        if path is not None and (problem := check_checkpoint_files(path.expanduser())):
            raise ValueError(problem)
        return path.expanduser() if path is not None else None

    @field_validator("qe_device")
    @classmethod
    def _device(cls, device: str) -> str:
        return check_device(device)

    @property
    def max_upload_bytes(self) -> int:
        """`max_upload_mb` in bytes."""
        return self.max_upload_mb * 1024 * 1024

    def pipeline_options(self) -> Options:
        """The pipeline's default options; a request's `options` override them."""
        return Options(
            reuse_threshold=self.reuse_threshold,
            min_match_score=self.min_match_score,
            max_examples=self.max_examples,
            layout=self.few_shot_layout,
            ape=self.ape,
            max_prompt_tokens=self.max_prompt_tokens,
            review_below=self.qe_review_below,
        )

    def llm_config(self) -> LLMConfig:
        """How the LLM client reaches the model server."""
        return LLMConfig(
            base_url=self.llm_url,
            model=self.llm_model,
            api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
            timeout_s=self.llm_timeout_s,
            max_concurrency=self.llm_max_concurrency,
            max_retries=self.llm_max_retries,
            temperature=self.llm_temperature,
        )
