"""The kb commands end to end on a SQLite file (the services themselves run on every backend)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from madoguchi.cli import main
from madoguchi.shared.migrate import upgrade
from madoguchi.shared.settings import get_settings


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "kb.db"
    upgrade(f"sqlite:///{path}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_load_demo_export_import(db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "load-demo", "--if-empty"]) == 0
    assert main(["kb", "load-demo", "--if-empty"]) == 0
    assert "読み込みませんでした" in capsys.readouterr().err
    out = tmp_path / "kb.csv"
    assert main(["kb", "export", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert main(["kb", "import", str(out)]) == 0
    assert "変更なし" in capsys.readouterr().err


def test_import_with_errors_exits_1_and_says_where(db_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_text("コード,名称,カテゴリ,範囲\r\nA-1,名前,money,市内全域\r\nA-2,名前,poverty,市内全域\r\n", "utf-8")
    assert main(["kb", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "2行目 C列「カテゴリ」: 「money」はカテゴリにありません" in err
    assert "何も変更していません" in err
    assert main(["kb", "import", str(bad), "--skip-invalid"]) == 0
    assert "追加 1 件" in capsys.readouterr().err


def test_a_file_that_is_not_there_is_a_clear_error(db_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.csv"
    assert main(["kb", "import", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("madoguchi kb: ") and str(missing) in err
    assert main(["kb", "import", str(tmp_path)]) == 2  # a folder
    assert "madoguchi kb: " in capsys.readouterr().err
