"""`make bench`: every benchmark, printed for the README.

BENCH_DATABASE_URL=postgresql+psycopg://... adds the ingest run on PostgreSQL.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    from madoguchi.bench import ingest
    from madoguchi.classifier import bench as classifier_bench
    from madoguchi.knowledge import bench as knowledge_bench

    ingest.report(ingest.run())
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        ingest.report(ingest.run(database_url=pg))
    print("\n## Classifier")
    classifier_bench.run()
    print("\n## Knowledge search")
    knowledge_bench.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
