"""The `madoguchi kb ...` commands (registered by madoguchi.cli)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CLI_ACTOR = "cli"


def _session_factory():  # type: ignore[no-untyped-def]
    from madoguchi.shared.db import make_engine, make_session_factory
    from madoguchi.shared.settings import get_settings

    return make_session_factory(make_engine(get_settings().database_url))


def _cmd_import(args: argparse.Namespace) -> int:
    from madoguchi.knowledge import csv_io
    from madoguchi.shared.db import unit_of_work

    data = Path(args.file).read_bytes()
    with unit_of_work(_session_factory()) as session:
        report = csv_io.import_csv(
            session,
            data=data,
            actor=f"{CLI_ACTOR}:kb import {Path(args.file).name}",
            skip_invalid=args.skip_invalid,
            archive_missing=args.archive_missing,
        )
    for problem in report.problems:
        print(problem.text(), file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0 if report.applied else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from madoguchi.knowledge import csv_io
    from madoguchi.shared.db import unit_of_work

    with unit_of_work(_session_factory()) as session:
        data = csv_io.export_csv(session)
    Path(args.file).write_bytes(data)
    print(f"書き出しました: {args.file}", file=sys.stderr)
    return 0


def _cmd_load_demo(args: argparse.Namespace) -> int:
    from madoguchi.knowledge import demo
    from madoguchi.shared.db import unit_of_work

    with unit_of_work(_session_factory()) as session:
        report = demo.load_demo(session, if_empty=args.if_empty)
    if report is None:
        print("資源がすでにあるため、デモデータは読み込みませんでした。", file=sys.stderr)
    else:
        print(f"デモデータを読み込みました（{len(report.created)} 件）。", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this package's subcommands."""
    kb = sub.add_parser("kb", help="knowledge base of local resources (地域資源)")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)

    imp = kb_sub.add_parser("import", help="import resources from CSV (UTF-8 or CP932), keyed by コード")
    imp.add_argument("file")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="apply the good rows even when some rows have problems"
    )
    imp.add_argument("--archive-missing", action="store_true", help="archive resources whose コード is not in the file")
    imp.set_defaults(func=_cmd_import)

    exp = kb_sub.add_parser("export", help="export every resource to CSV (UTF-8 with BOM)")
    exp.add_argument("file")
    exp.set_defaults(func=_cmd_export)

    demo = kb_sub.add_parser("load-demo", help="load the demo knowledge base (national lines, fictional みどり市)")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when resources already exist")
    demo.set_defaults(func=_cmd_load_demo)
