"""COMET scoring from a local checkpoint: the real unbabel-comet load and predict, offline.

The checkpoints are tiny (`eval.tinycomet`): random weights, a 2-layer encoder and a
tokenizer trained on a few sentences, built here; their hparams.yaml names the real
encoders (xlm-roberta-large, microsoft/infoxlm-large), which are nowhere on disk.
"""

import importlib.util
import math
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from eval.standin import StandIn
from eval.tinycomet import build_checkpoint
from service.app import create_app
from service.comet import (
    CHECKPOINT_FILE,
    ENCODER_DIR,
    HPARAMS_FILE,
    CometCheckpoint,
    CometEstimator,
    CometNotInstalled,
    CometScorer,
    InvalidCheckpoint,
    check_device,
)
from service.qe import QEItem
from tests.service.conftest import Served, settings_for

SOURCES = ["Wash your hands with soap.", "The patient has a fever.", "Click OK."]
TRANSLATIONS = ["Lavez-vous les mains.", "Le patient a de la fièvre.", "Cliquez sur OK."]
REFERENCES = ["Lavez-vous les mains avec du savon.", "Le patient a de la fièvre.", "OK."]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("comet")
    return {
        "comet": build_checkpoint(root / "tiny-comet-da"),
        "kiwi": build_checkpoint(root / "tiny-cometkiwi-da", reference_free=True),
        "other": build_checkpoint(root / "tiny-comet-da-seed1", seed=1),
    }


def test_checkpoint_reads_hparams_without_torch(checkpoints: dict[str, Path]) -> None:
    comet = CometCheckpoint.open(checkpoints["comet"])
    kiwi = CometCheckpoint.open(checkpoints["kiwi"])

    assert (comet.class_identifier, comet.pretrained_model) == (
        "regression_metric",
        "xlm-roberta-large",
    )
    assert (kiwi.class_identifier, kiwi.pretrained_model) == (
        "unified_metric",
        "microsoft/infoxlm-large",
    )
    assert (comet.uses_reference, comet.metric) == (True, "COMET")
    assert (kiwi.uses_reference, kiwi.metric) == (False, "CometKiwi")
    assert comet.encoder_dir == checkpoints["comet"] / ENCODER_DIR


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        (HPARAMS_FILE, "hparams.yaml missing"),
        (str(CHECKPOINT_FILE), "model.ckpt missing"),
        (ENCODER_DIR, "has no encoder/ directory with the config and tokenizer of "),
    ],
)
def test_incomplete_checkpoint_is_refused(
    checkpoints: dict[str, Path], tmp_path: Path, remove: str, message: str
) -> None:
    copy = shutil.copytree(checkpoints["comet"], tmp_path / "copy")
    target = copy / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()

    with pytest.raises(InvalidCheckpoint, match=message):
        CometCheckpoint.open(copy)


def test_encoder_named_by_a_local_pretrained_model_path(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    copy = shutil.copytree(checkpoints["comet"], tmp_path / "copy")
    (copy / ENCODER_DIR).rename(tmp_path / "xlmr")
    hparams = (copy / HPARAMS_FILE).read_text(encoding="utf-8")
    (copy / HPARAMS_FILE).write_text(
        hparams.replace("xlm-roberta-large", str(tmp_path / "xlmr")), encoding="utf-8"
    )

    assert CometCheckpoint.open(copy).encoder_dir == tmp_path / "xlmr"
    assert len(CometScorer(copy, device="cpu").score(SOURCES, TRANSLATIONS, REFERENCES)) == 3


@pytest.mark.parametrize(
    ("device", "valid"),
    [("auto", True), ("cpu", True), ("cuda", True), ("cuda:1", True), ("gpu", False),
     ("cpu:0", False), ("cuda:x", False)],
)  # fmt: skip
def test_devices(device: str, valid: bool) -> None:
    if valid:
        assert check_device(device) == device
    else:
        with pytest.raises(ValueError, match="is not a device"):
            check_device(device)


def test_scores_come_from_the_checkpoint_offline(
    checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object) -> None:
        raise AssertionError("COMET tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    first = CometScorer(checkpoints["comet"], device="cpu", batch_size=2)
    again = CometScorer(checkpoints["comet"], device="auto", batch_size=8)
    other = CometScorer(checkpoints["other"], device="cpu")

    scores = first.score(SOURCES, TRANSLATIONS, REFERENCES)

    assert first.loaded
    assert len(scores) == 3 and all(math.isfinite(s) for s in scores)
    # loaded weights, not a fresh random initialisation: equal per checkpoint, not across
    assert again.score(SOURCES, TRANSLATIONS, REFERENCES) == pytest.approx(scores, abs=1e-5)
    assert other.score(SOURCES, TRANSLATIONS, REFERENCES) != pytest.approx(scores, abs=1e-5)


def test_signature_names_metric_model_encoder_and_version(checkpoints: dict[str, Path]) -> None:
    scorer = CometScorer(checkpoints["kiwi"])

    assert scorer.signature.startswith(
        "CometKiwi|model:tiny-cometkiwi-da|class:unified_metric|"
        "encoder:microsoft/infoxlm-large|refs:0|version:2."
    )
    assert not scorer.loaded  # the signature needs no model


def test_reference_model_needs_references(checkpoints: dict[str, Path]) -> None:
    scorer = CometScorer(checkpoints["comet"], device="cpu")

    with pytest.raises(ValueError, match="needs references"):
        scorer.score(SOURCES, TRANSLATIONS)
    assert scorer.score([], [], []) == []
    assert not scorer.loaded


async def test_estimator_scores_batches_without_reference(checkpoints: dict[str, Path]) -> None:
    estimator = CometEstimator(CometScorer(checkpoints["kiwi"], device="cpu", batch_size=2))
    items = [QEItem(s, t) for s, t in zip(SOURCES, TRANSLATIONS, strict=True)]

    await estimator.load()
    scores = await estimator.score(items)

    assert len(scores) == 3 and all(math.isfinite(s) for s in scores)
    assert estimator.signature.startswith("CometKiwi|model:tiny-cometkiwi-da|")
    with pytest.raises(InvalidCheckpoint, match="reference-free model"):
        CometEstimator(CometScorer(checkpoints["comet"]))


def test_missing_extra_is_reported_before_any_work(
    checkpoints: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "comet" else real_find_spec(name, *args),
    )

    with pytest.raises(CometNotInstalled, match=r"needs comet: .*pip install 'adaptmt\[comet\]'"):
        CometScorer(checkpoints["kiwi"])


def test_importing_service_and_eval_never_imports_torch() -> None:
    code = (
        "import sys, service, service.app, service.cli, service.comet, eval, eval.harness, "
        "eval.tinycomet; heavy = {'torch', 'comet', 'transformers', 'matplotlib'} & "
        "set(sys.modules); assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_settings_check_the_qe_checkpoint(checkpoints: dict[str, Path], tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "http://127.0.0.1:9/v1", qe_model=checkpoints["kiwi"])

    assert settings.qe_model == checkpoints["kiwi"]
    with pytest.raises(ValidationError, match="is not a COMET checkpoint directory"):
        settings_for(tmp_path, "http://127.0.0.1:9/v1", qe_model=tmp_path)
    with pytest.raises(ValidationError, match="is not a device"):
        settings_for(tmp_path, "http://127.0.0.1:9/v1", qe_device="tpu")


def test_service_scores_machine_translations_with_the_qe_model(
    checkpoints: dict[str, Path], standin: StandIn, tmp_path: Path
) -> None:
    settings = settings_for(
        tmp_path, standin.base_url, qe_model=checkpoints["kiwi"], qe_device="cpu", qe_batch_size=2
    )
    served = Served(create_app(settings))
    request = {"source_lang": "en", "target_lang": "fr", "segments": SOURCES}
    try:
        response = httpx.post(f"{served.url}/v1/translate", json=request, timeout=30)
        scores = [segment["qe"] for segment in response.json()["segments"]]
        threshold = sorted(scores)[1]  # the lowest score is under it, the others are not
        request["options"] = {"review_below": threshold}
        reviewed = httpx.post(f"{served.url}/v1/translate", json=request, timeout=30)
    finally:
        served.stop()

    body = response.json()
    assert response.status_code == 200, body
    assert body["qe_signature"].startswith("CometKiwi|model:tiny-cometkiwi-da|")
    assert all(math.isfinite(score) for score in scores)
    assert not any(segment["needs_review"] for segment in body["segments"])
    marked = [segment["needs_review"] for segment in reviewed.json()["segments"]]
    assert marked == [score < threshold for score in scores] and sum(marked) == 1


def test_service_refuses_to_start_with_a_reference_based_qe_model(
    checkpoints: dict[str, Path], tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, "http://127.0.0.1:9/v1", qe_model=checkpoints["comet"])

    with pytest.raises(InvalidCheckpoint, match="needs references"):
        create_app(settings)


def test_a_replica_scores_through_the_qe_service_of_another(
    checkpoints: dict[str, Path], standin: StandIn, tmp_path: Path
) -> None:
    holder_settings = settings_for(
        tmp_path / "holder", standin.base_url, qe_model=checkpoints["kiwi"], qe_device="cpu"
    )
    holder = Served(create_app(holder_settings))
    replica = Served(
        create_app(settings_for(tmp_path / "replica", standin.base_url, qe_url=holder.url))
    )
    request = {"source_lang": "en", "target_lang": "fr", "segments": SOURCES}
    try:
        direct = httpx.post(f"{holder.url}/v1/translate", json=request, timeout=30).json()
        remote = httpx.post(f"{replica.url}/v1/translate", json=request, timeout=30).json()
        pairs = [{"source": s["source"], "translation": s["text"]} for s in direct["segments"]]
        scored = httpx.post(f"{holder.url}/v1/qe", json={"items": pairs}, timeout=30).json()
    finally:
        replica.stop()
        holder.stop()

    assert remote["qe_signature"] == direct["qe_signature"] == scored["signature"]
    assert [s["qe"] for s in remote["segments"]] == [s["qe"] for s in direct["segments"]]
    assert [s["qe"] for s in direct["segments"]] == scored["scores"]


def test_a_dead_qe_service_leaves_translations_without_a_score(
    standin: StandIn, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, standin.base_url, qe_url="http://127.0.0.1:9")
    served = Served(create_app(settings))
    try:
        response = httpx.post(
            f"{served.url}/v1/translate",
            json={"source_lang": "en", "target_lang": "fr", "segments": ["Hello there."]},
            timeout=30,
        )
    finally:
        served.stop()

    segment = response.json()["segments"][0]
    assert response.status_code == 200 and segment["text"] is not None
    assert segment["qe"] is None
    assert [i["code"] for i in segment["issues"]] == ["qe_failed"]
    assert "127.0.0.1:9/v1/qe" in segment["issues"][0]["message"]


def test_a_server_without_a_qe_model_says_so(api: httpx.Client) -> None:
    response = api.post("/v1/qe", json={"items": [{"source": "a", "translation": "b"}]})

    assert (response.status_code, response.json()["error"]["code"]) == (404, "qe_not_configured")
    assert "ADAPTMT_QE_MODEL" in response.json()["error"]["message"]
