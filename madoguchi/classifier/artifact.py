"""The model file: one versioned artifact with its metadata.

Layout: a magic line, one line of JSON metadata, then a pickle of plain Python and numpy values (no
scikit-learn objects, so a new scikit-learn cannot break loading). The metadata is read and checked
before the payload is unpickled, so an incompatible file fails with a clear message. Artifacts are
built locally by `madoguchi train` and trusted like code; never load one from elsewhere.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

MAGIC = b"MADOGUCHI-CLASSIFIER\n"
# Bump when the payload layout or the feature extraction changes in a way an old file cannot follow.
FORMAT_VERSION = 10


class ModelError(Exception):
    """The model file is missing, damaged or built by an incompatible version; the message says what to do."""


def write(path: Path, metadata: dict[str, Any], payload: dict[str, Any]) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a model."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**metadata, "format_version": FORMAT_VERSION}
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC)
            f.write(json.dumps(meta, ensure_ascii=False, sort_keys=True).encode() + b"\n")
            pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_metadata(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        return _read_header(f, path)


def read(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        raise ModelError(f"no classifier model at {path}: run `madoguchi train`.")
    with open(path, "rb") as f:
        meta = _read_header(f, path)
        try:
            payload = pickle.load(f)
        except Exception as exc:
            raise ModelError(f"the classifier model at {path} is damaged ({exc}): run `madoguchi train`.") from exc
    return meta, payload


def _read_header(f: Any, path: Path) -> dict[str, Any]:
    if f.read(len(MAGIC)) != MAGIC:
        raise ModelError(f"{path} is not a madoguchi classifier model: run `madoguchi train`.")
    try:
        meta = json.loads(f.readline())
    except ValueError as exc:
        raise ModelError(f"the classifier model at {path} has damaged metadata: run `madoguchi train`.") from exc
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"the classifier model at {path} has format version {version}, this madoguchi reads version "
            f"{FORMAT_VERSION}: retrain it with `madoguchi train`."
        )
    return meta
