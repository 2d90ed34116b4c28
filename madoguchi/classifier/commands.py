"""Command-line commands of the classifier package (registered by madoguchi.cli): train, eval, classify."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_train(args: argparse.Namespace) -> int:
    from madoguchi.classifier.service import (
        default_model_path,
        model_is_current,
        model_is_usable,
        supervisor_examples,
    )
    from madoguchi.classifier.training import train

    out = Path(args.out) if args.out else default_model_path()
    data = Path(args.data) if args.data else None
    # With a database configured, supervisors' accepted examples join the corpus (seam: none yet).
    extra = supervisor_examples()
    if args.if_missing and model_is_usable(out):
        if model_is_current(out, data, extra):
            print(f"classifier model already at {out}", file=sys.stderr)
            return 0
        print(
            f"classifier model at {out} was trained on other data (the corpus, crisis expressions or keywords "
            "changed since): training it again",
            file=sys.stderr,
        )
    meta = train(
        data_dir=data,
        out=out,
        extra_examples=extra,
        with_random_folds=args.random_folds,
    )
    print(
        f"trained classifier {meta['version']} on {meta['n_examples']} messages in {meta['training_seconds']} s "
        f"-> {out}",
        file=sys.stderr,
    )
    evaluation = meta["evaluation"]
    for title, key in (("grouped folds (writers held out)", "grouped_folds"),
                       ("random folds (5-fold, flattering)", "random_folds")):
        if key not in evaluation:
            continue
        held = evaluation[key]
        print(
            f"{title}: macro F1 {held['macro_f1']:.3f}, micro F1 {held['micro_f1']:.3f}, "
            f"crisis recall {held['crisis_recall']:.3f} ({held['crisis_missed']} missed), "
            f"crisis false alarm {held['crisis_false_alarm']:.3f}",
            file=sys.stderr,
        )
    for line in meta["skipped_lines"]:
        print(f"warning: corpus line skipped: {line}", file=sys.stderr)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from madoguchi.classifier.evaluation import print_report, read_eval_file, run_eval
    from madoguchi.classifier.service import load_classifier

    try:
        labelled = read_eval_file(Path(args.file))
    except (UnicodeDecodeError, ValueError) as exc:  # not text, or no labelled line (cli.main: no file at all)
        print(f"madoguchi eval: {exc}", file=sys.stderr)
        return 2
    result = run_eval(load_classifier(), labelled)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_report(result)
    return 0


def _json_line(obj: dict) -> bytes:
    """One output line, UTF-8. An id holding half a surrogate pair (an escape in the input) cannot be written
    as UTF-8: that line is written with escapes, which gives the id back exactly as it came."""
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(obj) + "\n").encode("ascii")


def _cmd_classify(args: argparse.Namespace) -> int:
    from madoguchi.classifier.service import load_classifier

    classifier = load_classifier()
    out = sys.stdout.buffer
    # Bytes in, decoded line by line: a line that is not UTF-8 is odd input (its bad bytes become U+FFFD),
    # not the end of the run.
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            # A blank line is still an input: it gets an answer, so outputs stay aligned with inputs.
            record: object = {}
        else:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {}
        ident = record.get("id") if isinstance(record, dict) else None
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            text = ""
        p = classifier.classify(text)
        out.write(
            _json_line(
                {
                    "id": ident,
                    "labels": p.labels,
                    "crisis": p.crisis,
                    "scores": p.scores,
                    "crisis_kinds": p.crisis_kinds,
                    "crisis_score": p.crisis_score,
                    "intent": p.intent,
                    "language": p.language,
                    "uncertain": p.uncertain,
                }
            )
        )
        out.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this package's subcommands."""
    train = sub.add_parser("train", help="train the classifier from the corpus")
    train.add_argument("--data", help="corpus directory (default: the corpus in the package)")
    train.add_argument("--out", help="model file (default: var/models/classifier.madoguchi-model)")
    train.add_argument(
        "--if-missing", action="store_true", help="do nothing when a usable model trained on the current data exists"
    )
    train.add_argument(
        "--random-folds", action="store_true", help="also report shuffled 5-fold figures (five more fits)"
    )
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("eval", help="evaluate the classifier on a labelled JSON Lines file")
    ev.add_argument("file", help="JSON Lines: {text, labels, crisis} per line")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.set_defaults(func=_cmd_eval)

    cl = sub.add_parser("classify", help="classify JSON Lines {id, text} from stdin to stdout")
    cl.set_defaults(func=_cmd_classify)
