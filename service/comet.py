"""COMET and CometKiwi scores from a local checkpoint directory: offline, torch loaded lazily.

One implementation serves both users: the pipeline's quality estimation (`CometEstimator`,
a `service.qe.QualityEstimator` over a reference-free model such as
`Unbabel/wmt22-cometkiwi-da`) and `adaptmt eval` (`CometScorer` with or without
references, e.g. `Unbabel/wmt22-comet-da`).

A checkpoint directory holds everything the model needs, so nothing is fetched from a hub:

    wmt22-cometkiwi-da/
        hparams.yaml            as published (class_identifier, pretrained_model, ...)
        checkpoints/model.ckpt  as published
        encoder/                config.json and the tokenizer files of `pretrained_model`
                                (tokenizer.json, or sentencepiece.bpe.model, plus
                                tokenizer_config.json and special_tokens_map.json)

unbabel-comet would otherwise download the encoder's config and tokenizer named by
`pretrained_model` at load time. Here the model class is loaded with `pretrained_model`
pointing at `encoder/` (or at `pretrained_model` itself when hparams.yaml names a local
directory), `local_files_only=True` and `load_pretrained_weights=False`: the encoder is
built from its config and every weight comes from `model.ckpt`.

Importing this module imports neither torch nor COMET: they load on the first `load()` or
`score()`. A missing `adaptmt[comet]` extra is reported as `CometNotInstalled` as soon as
a scorer is made, before any work that would need it.
"""

import asyncio
import importlib.util
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from service.qe import QEItem

CHECKPOINT_FILE = Path("checkpoints") / "model.ckpt"
"""Where the weights lie in a checkpoint directory (the Hugging Face repositories' layout)."""
HPARAMS_FILE = "hparams.yaml"
ENCODER_DIR = "encoder"
"""Subdirectory with the encoder's config and tokenizer, so nothing comes from a hub."""
ENCODER_CONFIG = "config.json"
TOKENIZER_FILES = ("tokenizer.json", "sentencepiece.bpe.model", "vocab.txt")
"""Any one of these makes a usable tokenizer (fast, sentencepiece, WordPiece)."""
DEVICES = ("auto", "cpu", "cuda")
"""`auto` is the first GPU when torch sees one, else the CPU; `cuda:N` names a GPU."""
DEFAULT_BATCH_SIZE = 16
"""Segments per forward pass: COMET's default; raise it on a GPU with memory to spare."""

_REFERENCE_FREE = {"referenceless_regression_metric"}
_REQUIRED_MODULES = ("torch", "comet")
_LIGHTNING_LOGGERS = ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric")


class CometError(Exception):
    """Base of the errors of this module."""


class CometNotInstalled(CometError):
    """torch or unbabel-comet is missing: install the `comet` extra."""


class InvalidCheckpoint(CometError):
    """The directory is not a usable offline COMET checkpoint."""


def require_comet() -> None:
    """CometNotInstalled unless torch and unbabel-comet are importable (imports neither)."""
    missing = [name for name in _REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise CometNotInstalled(
            f"COMET scoring needs {' and '.join(missing)}: install the extra with "
            "`pip install 'adaptmt[comet]'` (scripts/install.sh does)"
        )


def check_device(device: str) -> str:
    """`device` if it is `auto`, `cpu`, `cuda` or `cuda:N`, else ValueError."""
    kind, _, index = device.partition(":")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise ValueError(f"{device!r} is not a device: use auto, cpu, cuda or cuda:N")
    return device


@dataclass(frozen=True, slots=True)
class CometCheckpoint:
    """A checkpoint directory, checked and its hparams read (no torch needed)."""

    path: Path
    name: str  # the model's name in signatures: the directory's name
    class_identifier: str
    pretrained_model: str  # as hparams.yaml names it, e.g. xlm-roberta-large
    encoder_dir: Path
    input_segments: tuple[str, ...]
    hparams: dict[str, Any]

    @classmethod
    def open(cls, path: Path | str) -> "CometCheckpoint":
        """Check the directory's files and read its hparams.yaml; InvalidCheckpoint if unusable."""
        path = Path(path).expanduser()
        problems = check_checkpoint_files(path)
        if problems:
            raise InvalidCheckpoint(problems)
        import yaml  # light; ships with uvicorn[standard] and with COMET

        hparams = yaml.safe_load((path / HPARAMS_FILE).read_text(encoding="utf-8")) or {}
        identifier = hparams.get("class_identifier")
        pretrained = str(hparams.get("pretrained_model", ""))
        if not identifier:
            raise InvalidCheckpoint(f"{path / HPARAMS_FILE} names no class_identifier")
        segments = hparams.get("input_segments") or _default_segments(identifier)
        return cls(
            path=path,
            name=path.resolve().name,
            class_identifier=identifier,
            pretrained_model=pretrained,
            encoder_dir=_encoder_dir(path, pretrained),
            input_segments=tuple(segments),
            hparams=hparams,
        )

    @property
    def uses_reference(self) -> bool:
        """Whether the model reads a reference translation (COMET) or not (CometKiwi)."""
        return "ref" in self.input_segments

    @property
    def metric(self) -> str:
        """The metric's name in reports."""
        return "COMET" if self.uses_reference else "CometKiwi"


def check_checkpoint_files(path: Path) -> str | None:
    """What is missing from a checkpoint directory, or None when the files are there."""
    if not path.is_dir():
        return f"{path} is not a directory (a COMET checkpoint directory is expected)"
    missing = [str(p) for p in (path / HPARAMS_FILE, path / CHECKPOINT_FILE) if not p.is_file()]
    if missing:
        return f"{path} is not a COMET checkpoint directory: {', '.join(missing)} missing"
    return None


def _default_segments(identifier: str) -> tuple[str, ...]:
    """The inputs of a model class whose hparams.yaml lists no `input_segments`."""
    return ("mt", "src") if identifier in _REFERENCE_FREE else ("mt", "src", "ref")


def _encoder_dir(path: Path, pretrained_model: str) -> Path:
    """The local directory with the encoder's config and tokenizer."""
    candidates = [path / ENCODER_DIR]
    if pretrained_model:
        named = Path(pretrained_model).expanduser()
        candidates.append(named if named.is_absolute() else path / named)
    for candidate in candidates:
        if (candidate / ENCODER_CONFIG).is_file() and any(
            (candidate / name).is_file() for name in TOKENIZER_FILES
        ):
            return candidate
    raise InvalidCheckpoint(
        f"{path} has no {ENCODER_DIR}/ directory with the config and tokenizer of "
        f"{pretrained_model or 'its encoder'!r} ({ENCODER_CONFIG} and one of "
        f"{', '.join(TOKENIZER_FILES)}); copy them there from the encoder's Hugging Face "
        f"repository, e.g. `huggingface-cli download {pretrained_model or 'MODEL'} --include "
        f"'*.json' '*.model' '*.txt' --local-dir {path / ENCODER_DIR}`"
    )


def comet_version() -> str:
    """The installed unbabel-comet version, or `none`."""
    try:
        return version("unbabel-comet")
    except PackageNotFoundError:
        return "none"


def _quiet_lightning() -> None:
    """Lightning logs device summaries and tips on every `predict`; keep warnings only."""
    for name in _LIGHTNING_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class CometScorer:
    """Segment scores from one COMET checkpoint; loads the model on first use, thread-safe."""

    def __init__(
        self,
        checkpoint: Path | str | CometCheckpoint,
        *,
        device: str = "auto",
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        require_comet()
        self.checkpoint = (
            checkpoint
            if isinstance(checkpoint, CometCheckpoint)
            else CometCheckpoint.open(checkpoint)
        )
        self.device = check_device(device)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def signature(self) -> str:
        """Metric, model, encoder, inputs and COMET version, e.g. for a report."""
        ckpt = self.checkpoint
        return (
            f"{ckpt.metric}|model:{ckpt.name}|class:{ckpt.class_identifier}|"
            f"encoder:{ckpt.pretrained_model}|refs:{int(ckpt.uses_reference)}|"
            f"version:{comet_version()}"
        )

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now (it otherwise loads on the first `score`)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()

    def score(
        self,
        sources: Sequence[str],
        translations: Sequence[str],
        references: Sequence[str] | None = None,
    ) -> list[float]:
        """One score per translation, in order; blocking (run it in a thread from async code)."""
        if len(sources) != len(translations) or (
            references is not None and len(references) != len(sources)
        ):
            raise ValueError("sources, translations and references differ in length")
        if self.checkpoint.uses_reference and references is None:
            raise ValueError(f"{self.checkpoint.name} needs references ({self.signature})")
        if not sources:
            return []
        samples = [{"src": s, "mt": t} for s, t in zip(sources, translations, strict=True)]
        if self.checkpoint.uses_reference and references is not None:
            for sample, reference in zip(samples, references, strict=True):
                sample["ref"] = reference
        self.load()
        gpus, devices, accelerator = self._placement()
        with self._lock:
            prediction = self._model.predict(
                samples,
                batch_size=self.batch_size,
                gpus=gpus,
                devices=devices,
                accelerator=accelerator,
                progress_bar=False,
                num_workers=0,  # no forked loaders inside a threaded server
            )
        return [float(value) for value in prediction.scores]

    def _load(self) -> Any:
        try:
            import torch
            from comet.models import str2model
        except ImportError as exc:
            raise CometNotInstalled(
                f"COMET scoring needs torch and unbabel-comet ({exc}); install them with "
                "`pip install 'adaptmt[comet]'` (scripts/install.sh does)"
            ) from exc
        _quiet_lightning()
        ckpt = self.checkpoint
        model_class = str2model.get(ckpt.class_identifier)
        if model_class is None:
            raise InvalidCheckpoint(
                f"{ckpt.path}: unknown class_identifier {ckpt.class_identifier!r} "
                f"(COMET {comet_version()} knows {', '.join(sorted(str2model))})"
            )
        overrides: dict[str, Any] = {}
        if ckpt.hparams.get("layer_transformation") == "sparsemax_patch":
            overrides["layer_transformation"] = "softmax"  # as comet.load_from_checkpoint does
        model = model_class.load_from_checkpoint(
            ckpt.path / CHECKPOINT_FILE,
            map_location=torch.device("cpu"),
            strict=False,
            load_pretrained_weights=False,
            local_files_only=True,
            pretrained_model=str(ckpt.encoder_dir),
            **overrides,
        )
        model.eval()
        return model

    def _placement(self) -> tuple[int, list[int] | None, str]:
        """COMET's (gpus, devices, accelerator) for the configured device."""
        kind, _, index = self.device.partition(":")
        if kind == "auto":
            import torch

            kind = "cuda" if torch.cuda.is_available() else "cpu"
        if kind == "cpu":
            return 0, None, "cpu"
        return 1, [int(index)] if index else None, "cuda"


class CometEstimator:
    """The pipeline's `QualityEstimator` over a reference-free checkpoint (CometKiwi)."""

    def __init__(self, scorer: CometScorer) -> None:
        if scorer.checkpoint.uses_reference:
            raise InvalidCheckpoint(
                f"{scorer.checkpoint.path} needs references ({scorer.signature}); quality "
                "estimation needs a reference-free model such as Unbabel/wmt22-cometkiwi-da"
            )
        self.scorer = scorer
        self._busy = asyncio.Lock()

    @property
    def signature(self) -> str:
        """The scorer's signature."""
        return self.scorer.signature

    async def load(self) -> None:
        """Load the model in a worker thread (at startup, so no request waits for it)."""
        await asyncio.to_thread(self.scorer.load)

    async def score(self, items: Sequence[QEItem]) -> list[float]:
        """One score per item, computed in a worker thread, one batch job at a time."""
        async with self._busy:
            return await asyncio.to_thread(
                self.scorer.score,
                [item.source for item in items],
                [item.translation for item in items],
            )
