#!/usr/bin/env python
"""Train, evaluate and package a Swedish spaCy pipeline for qualcode from public data.

Example (the data set in ../shared/data/nlp/):

    python scripts/train_sv_pipeline.py \
        --ud-train D/sv_talbanken-ud-dev.conllu D/sv_pud-ud-test.conllu D/sv_swell-ud-test.conllu \
        --ud-test D/sv_talbanken-ud-test.conllu \
        --ner-train D/swedish-ner-train.txt --ner-test D/swedish-ner-test.txt \
        --output nlp-training/sv_qualcode_sm

Then: pip install nlp-training/sv_qualcode_sm/packages/sv_qualcode_sm-0.1.0/dist/*.whl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qualcode.core.errors import QualcodeError  # noqa: E402
from qualcode.nlp.train import TrainSettings, train_pipeline  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    defaults = TrainSettings()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ud-train", type=Path, nargs="+", required=True,
                   help="CoNLL-U files to train POS, morphology, lemmas and the parser on")
    p.add_argument("--ud-dev", type=Path, default=None,
                   help="CoNLL-U dev file for model selection (default: every --dev-every-th training sentence)")
    p.add_argument("--ud-test", type=Path, required=True,
                   help="held-out CoNLL-U test file (sentences also in it are removed from training)")
    p.add_argument("--ner-train", type=Path, required=True, help="IO-tagged NER training file (token TAG per line)")
    p.add_argument("--ner-test", type=Path, required=True,
                   help="IO-tagged NER test file (sentences also in it are removed from training)")
    p.add_argument("--output", type=Path, default=Path("nlp-training/sv_qualcode_sm"),
                   help="output folder: corpus/, ud/, ner/, packages/, scores.json, train.log")
    p.add_argument("--ud-steps", type=int, default=defaults.ud_steps, help="training steps, step 1 (UD)")
    p.add_argument("--ner-steps", type=int, default=defaults.ner_steps, help="training steps, step 2 (NER)")
    p.add_argument("--ud-dev-every", type=int, default=defaults.ud_dev_every,
                   help="every N-th UD training sentence is held out as dev set (when no --ud-dev)")
    p.add_argument("--ner-dev-every", type=int, default=defaults.ner_dev_every,
                   help="every N-th NER training sentence is held out as dev set")
    p.add_argument("--seed", type=int, default=defaults.seed, help="random seed")
    p.add_argument("--name", default=defaults.name, help="package name without the sv_ prefix")
    p.add_argument("--version", default=defaults.version, help="package version")
    p.add_argument("--quick", action="store_true",
                   help="a few steps on a few sentences: proves convert → train → evaluate → package")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        settings = TrainSettings.quick()
    else:
        settings = TrainSettings(ud_steps=args.ud_steps, ner_steps=args.ner_steps, ud_dev_every=args.ud_dev_every,
                                 ner_dev_every=args.ner_dev_every,
                                 seed=args.seed, name=args.name, version=args.version)
    print(f"tränar i {args.output} (logg: {args.output / 'train.log'}) …", file=sys.stderr)
    try:
        result = train_pipeline(args.ud_train, args.ud_test, args.ner_train, args.ner_test, args.output,
                                settings, ud_dev=args.ud_dev)
    except QualcodeError as exc:
        print(f"fel: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result.scores, ensure_ascii=False, indent=2))
    print(f"hjul: {result.wheel}\npoäng: {result.scores_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
