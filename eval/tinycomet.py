"""A tiny COMET-compatible checkpoint, built locally: for tests and offline smoke runs.

Real COMET models cannot be downloaded everywhere (CI has no hub access), so tests build
one of the same shape in about a second: a sentencepiece tokenizer trained on the few
sentences below, a 2-layer XLM-R encoder with hidden size 32, and COMET's own model class
(`regression_metric` like `Unbabel/wmt22-comet-da`, or `unified_metric` without reference
like `Unbabel/wmt22-cometkiwi-da`) with random weights, saved in the layout
`service.comet` loads. Its `hparams.yaml` keeps the real model's `pretrained_model` name,
so loading it proves that nothing is fetched from a hub. Its scores mean nothing.

    python -m eval.tinycomet DIR [--reference-free]

Needs the `comet` extra (torch, unbabel-comet).
"""

import argparse
import io
from pathlib import Path
from typing import Any

from service.comet import CHECKPOINT_FILE, ENCODER_DIR, HPARAMS_FILE

SENTENCES = (
    "Wash your hands with soap and water for twenty seconds.",
    "Lavez-vous les mains avec du savon et de l'eau pendant vingt secondes.",
    "The patient has a fever and a dry cough.",
    "Le patient a de la fièvre et une toux sèche.",
    "Die Versorgung von komplexen Handverletzungen ist schwierig.",
    "The treatment of complex hand injuries is difficult.",
    "Click OK to save the file.",
    "Cliquez sur OK pour enregistrer le fichier.",
)
"""What the tokenizer is trained on: a few words of each language the tests use."""
VOCAB_SIZE = 200
"""An upper bound: sentencepiece keeps fewer pieces when the sentences have fewer."""
HIDDEN_SIZE = 32
LAYERS = 2
HEADS = 2
FEED_FORWARD = 64
MAX_TOKENS = 256
ESTIMATOR_SIZES = [16]
"""The regression head's hidden layers (the real models: 3072, 1024)."""

REFERENCE_MODEL = ("regression_metric", "xlm-roberta-large")
REFERENCE_FREE_MODEL = ("unified_metric", "microsoft/infoxlm-large")


def build_encoder(dest: Path) -> Path:
    """Write a tiny XLM-R config and a freshly trained tokenizer to `dest`."""
    import sentencepiece
    from transformers import XLMRobertaConfig, XLMRobertaTokenizer, XLMRobertaTokenizerFast

    dest.mkdir(parents=True, exist_ok=True)
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 4),
        model_writer=model,
        vocab_size=VOCAB_SIZE,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
    )
    spm_file = dest / "sentencepiece.bpe.model"
    spm_file.write_bytes(model.getvalue())
    XLMRobertaTokenizer(vocab_file=str(spm_file)).save_pretrained(dest)
    tokenizer = XLMRobertaTokenizerFast.from_pretrained(dest)
    tokenizer.save_pretrained(dest)  # adds tokenizer.json, as the hub's XLM-R repositories have
    XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN_SIZE,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=FEED_FORWARD,
        max_position_embeddings=MAX_TOKENS + 2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    ).save_pretrained(dest)
    return dest


def build_checkpoint(dest: Path, *, reference_free: bool = False, seed: int = 0) -> Path:
    """Write a tiny checkpoint directory to `dest` and return it."""
    import pytorch_lightning
    import torch
    import yaml
    from comet.models import str2model

    identifier, pretrained = REFERENCE_FREE_MODEL if reference_free else REFERENCE_MODEL
    encoder = build_encoder(dest / ENCODER_DIR)
    options: dict[str, Any] = {
        "pretrained_model": str(encoder),
        "load_pretrained_weights": False,
        "local_files_only": True,
        "hidden_sizes": ESTIMATOR_SIZES,
        "layer_transformation": "sparsemax",
        "layer_norm": False,
    }
    if reference_free:
        options |= {"input_segments": ["mt", "src"], "word_layer": LAYERS}
    torch.manual_seed(seed)
    model = str2model[identifier](**options)
    hparams = {
        key: value
        for key, value in dict(model.hparams).items()
        if key not in ("load_pretrained_weights", "local_files_only")
    }
    hparams |= {"class_identifier": identifier, "pretrained_model": pretrained}
    (dest / CHECKPOINT_FILE).parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "state_dict": model.state_dict(),
            "hyper_parameters": hparams,
            "pytorch-lightning_version": pytorch_lightning.__version__,
        },
        dest / CHECKPOINT_FILE,
    )
    (dest / HPARAMS_FILE).write_text(yaml.safe_dump(hparams), encoding="utf-8")
    return dest


def main() -> None:
    """`python -m eval.tinycomet DIR [--reference-free]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--reference-free", action="store_true", help="CometKiwi-like")
    args = parser.parse_args()
    print(build_checkpoint(args.dest, reference_free=args.reference_free))


if __name__ == "__main__":
    main()
