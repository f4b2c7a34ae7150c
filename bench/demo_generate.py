"""Time to generate (and optionally load) the demo company at several sizes.

    python bench/demo_generate.py                      # 1,000 and 100,000 items, generation only
    python bench/demo_generate.py 500 5000 --load      # also load each into a fresh SQLite file
    python bench/demo_generate.py 5000 --load --db postgresql://user@host/empty_db

With ``--db`` every size is loaded into that database, one after the other (the second load
updates the first); without it each size gets its own temporary SQLite file.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from flexchain.bootstrap import bootstrap
from flexchain.config import Settings
from flexchain.demo import generate
from flexchain.services.demo import load_demo

START = date(2024, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("items", nargs="*", type=int, default=[1000, 100_000])
    parser.add_argument("--load", action="store_true", help="also load into a database")
    parser.add_argument("--db", help="database URL to load into (default: temporary SQLite)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    print(f"{'items':>9} {'rows':>12} {'generate s':>11} {'load s':>9} {'rows/s':>10}  path")
    for items in args.items:
        began = time.perf_counter()
        data = generate(items=items, seed=args.seed, start=START)
        generated = time.perf_counter() - began
        rows = sum(data.counts().values())
        load = rate = path = ""
        if args.load:
            with tempfile.TemporaryDirectory() as folder:
                url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
                app = bootstrap(Settings(database_url=url))
                try:
                    summary = load_demo(app.engine, data)
                finally:
                    app.close()
            load = f"{summary.seconds:.1f}"
            rate = f"{rows / summary.seconds:,.0f}"
            path = "bulk demand" if summary.bulk_demand else "import_rows"
        print(f"{items:>9,} {rows:>12,} {generated:>11.2f} {load:>9} {rate:>10}  {path}")


if __name__ == "__main__":
    main()
