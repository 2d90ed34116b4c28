"""`make bench`: every benchmark, printed as Markdown tables for the README."""

from __future__ import annotations

import os
import sys


def main() -> int:
    from madoguchi.bench import ingest

    sqlite_results = ingest.run()
    ingest.report(sqlite_results)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        ingest.report(ingest.run(database_url=pg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
