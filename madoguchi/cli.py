"""The `madoguchi` command line (composition root: may import every package)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from madoguchi.shared.settings import ConfigError

Handler = Callable[[argparse.Namespace], int]


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from madoguchi.shared.migrate import upgrade
    from madoguchi.shared.settings import get_settings

    upgrade(get_settings().database_url)
    print("database is up to date", file=sys.stderr)
    return 0


def _cmd_keys_new(args: argparse.Namespace) -> int:
    from madoguchi.shared.crypto import new_key

    print(new_key())
    return 0


def _cmd_keys_rotate(args: argparse.Namespace) -> int:
    from madoguchi.all_models import metadata
    from madoguchi.bootstrap import open_database
    from madoguchi.bot import residents
    from madoguchi.shared.db import unit_of_work
    from madoguchi.shared.rotation import reencrypt_all

    factory = open_database()
    # One transaction: either everything is under the new key, or nothing changed.
    with unit_of_work(factory) as session:
        values = reencrypt_all(session, metadata=metadata)
        hashes = residents.rehash_all(session)
    print(f"re-encrypted {values} value(s) and {hashes} lookup hash(es) under the first key; "
          "the older keys can now be removed from MADOGUCHI_DATA_KEY", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="madoguchi", description="madoguchi: LINE の相談窓口")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_cmd_db_upgrade)

    keys = sub.add_parser("keys", help="data keys").add_subparsers(dest="keys_command", required=True)
    keys.add_parser("new", help="print a new data key").set_defaults(func=_cmd_keys_new)
    keys.add_parser(
        "rotate", help="re-encrypt everything under the first key of MADOGUCHI_DATA_KEY (put the new key first)"
    ).set_defaults(func=_cmd_keys_rotate)

    from madoguchi import runtime_commands

    runtime_commands.register(sub)
    from madoguchi.classifier import commands as classifier_commands

    classifier_commands.register(sub)
    from madoguchi.knowledge import commands as knowledge_commands

    knowledge_commands.register(sub)
    from madoguchi.bot import commands as bot_commands

    bot_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        # A path given on the command line that cannot be read: say which, not a traceback.
        print(f"madoguchi {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
