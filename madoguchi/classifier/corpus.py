"""The training corpus: labelled worries and intents, written for this project (see data/README.md)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from madoguchi.classifier.labels import CATEGORIES, CRISIS_KINDS, INTENTS

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
CORPUS_DIR = DATA_DIR / "corpus"
INTENTS_FILE = "intents.jsonl"


class Example(NamedTuple):
    """A labelled worry. A named tuple, not a frozen dataclass: a frozen dataclass sets each field through
    object.__setattr__ (7 us an example on a slow machine). With the label checks by set, loading the
    141,607 worries went 1.5-1.9 s -> 1.2-1.4 s there."""

    text: str
    labels: tuple[str, ...]
    crisis: bool
    crisis_kinds: tuple[str, ...] = ()
    hard_negative: bool = False
    source: str = ""


@dataclass(frozen=True)
class IntentExample:
    text: str
    intent: str


@dataclass
class Corpus:
    examples: list[Example] = field(default_factory=list)
    intents: list[IntentExample] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file:line: reason", for the lead and the logs
    digest: str = ""


_CATEGORY_SET, _KIND_SET = frozenset(CATEGORIES), frozenset(CRISIS_KINDS)


def _all_in(values: list, allowed: frozenset[str]) -> bool:
    try:
        return allowed.issuperset(values)
    except TypeError:  # an unhashable value (a list, an object) is no id
        return False


def parse_example(obj: object, source: str = "") -> Example | None:
    """A labelled line as in dev-examples.jsonl (from the corpus file `source`), or None when it is not one."""
    if not isinstance(obj, dict):
        return None
    text, labels, crisis = obj.get("text"), obj.get("labels"), obj.get("crisis")
    if not isinstance(text, str) or not text.strip() or not isinstance(labels, list) or not isinstance(crisis, bool):
        return None
    if not labels or not _all_in(labels, _CATEGORY_SET):
        return None
    kinds = obj.get("crisis_kinds") or []
    if not isinstance(kinds, list) or not _all_in(kinds, _KIND_SET):
        return None
    return Example(
        text=text,
        labels=tuple(dict.fromkeys(labels)),
        crisis=crisis,
        crisis_kinds=tuple(kinds) if crisis else (),
        hard_negative=bool(obj.get("hard_negative")),
        source=source,
    )


NOT_JSON = object()


def json_lines(text: str) -> list[tuple[int, object]]:
    """(line number, parsed value) of every non-blank line of a JSON Lines text, NOT_JSON for a line that is
    not JSON. The text is parsed as one JSON array when every line is JSON (one call instead of one per line:
    a fifth of reading the corpus), line by line otherwise, to name the lines that are not."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    try:
        values = json.loads("[" + ",".join(line for _, line in numbered) + "]")
    except json.JSONDecodeError:
        values = None
    if isinstance(values, list) and len(values) == len(numbered):
        return [(n, v) for (n, _), v in zip(numbered, values, strict=True)]
    out: list[tuple[int, object]] = []
    for n, line in numbered:
        try:
            out.append((n, json.loads(line)))
        except json.JSONDecodeError:
            out.append((n, NOT_JSON))
    return out


def _corpus_files(data_dir: Path | None) -> list[tuple[Path, bytes]]:
    """The worry files in name order, then intents.jsonl when there is one, each with its bytes."""
    directory = Path(data_dir) if data_dir else CORPUS_DIR
    files = sorted(p for p in directory.glob("*.jsonl") if p.name != INTENTS_FILE)
    if not files:
        raise FileNotFoundError(f"no training corpus (*.jsonl) in {directory}")
    return [(p, p.read_bytes()) for p in [*files, directory / INTENTS_FILE] if p.exists()]


def _digest(files: list[tuple[Path, bytes]]) -> str:
    digest = hashlib.sha256()
    for path, raw in files:
        digest.update(path.name.encode() + b"\0" + raw)
    return digest.hexdigest()


def corpus_digest(data_dir: Path | None = None) -> str:
    """load_corpus(data_dir).digest without parsing the files (whether a model was trained on them)."""
    return _digest(_corpus_files(data_dir))


def load_corpus(data_dir: Path | None = None) -> Corpus:
    """Every *.jsonl worry file and intents.jsonl under data_dir; broken lines are skipped with a warning."""
    corpus = Corpus()
    files = _corpus_files(data_dir)
    for path, raw in files:
        # The file's name once, not per line (pathlib's name and stem were a third of reading the corpus).
        name, stem = path.name, path.stem
        for n, obj in json_lines(raw.decode("utf-8")):
            if obj is NOT_JSON:
                corpus.skipped.append(f"{name}:{n}: not JSON")
                continue
            if name == INTENTS_FILE:
                ok = isinstance(obj, dict) and isinstance(obj.get("text"), str) and obj.get("intent") in INTENTS
                if ok and obj["text"].strip():
                    corpus.intents.append(IntentExample(text=obj["text"], intent=obj["intent"]))
                else:
                    corpus.skipped.append(f"{name}:{n}: not an intent line")
                continue
            example = parse_example(obj, stem)
            if example is None:
                corpus.skipped.append(f"{name}:{n}: not a labelled line")
                continue
            corpus.examples.append(example)
    for message in corpus.skipped:
        log.warning("corpus line skipped: %s", message)
    corpus.digest = _digest(files)
    return corpus
