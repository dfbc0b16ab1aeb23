"""The report builder's speed: 20 run documents of 100 scenarios x 8 runtimes, merged and rendered.

    python benchmarks/report.py                          # 20 platforms, 100 scenarios, 3 repeats
    python benchmarks/report.py --platforms 20 --scenarios 100 --repeats 5 --keep /tmp/bench-report

Writes the synthetic run documents (deterministic, from a seed) to a temporary folder, then times, per
repeat: reading and validating the documents, merging them, building the table, and rendering and
writing every output (index.html, support-table.md, support.json, support.csv, plots). Prints each
stage's time, the total, and the size of each output. The target is under 2 s in total.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from conformance._report.build import write_report
from conformance._report.merge import input_files, merge, read_documents
from conformance._report.samples import PLATFORMS_20, catalog, synthetic_documents, synthetic_scenarios, write
from conformance._report.table import build_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platforms", type=int, default=20, help="run documents, one per platform (max 20)")
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the report here and keep it")
    args = parser.parse_args(argv)
    platforms = PLATFORMS_20[: args.platforms]
    documents = synthetic_documents(platforms, scenarios=args.scenarios)
    known = catalog(synthetic_scenarios(args.scenarios))
    cells = sum(len(d.cells) for d in documents)
    print(f"{len(documents)} run documents, {args.scenarios} scenarios x 8 runtimes, {cells} cells")
    with tempfile.TemporaryDirectory() as scratch:
        runs = Path(scratch) / "runs"
        for platform, document in zip(platforms, documents, strict=True):
            write(runs / f"{platform}.json", document)
        totals = []
        cpu_totals = []
        for repeat in range(args.repeats):
            out = args.keep or Path(scratch) / f"report-{repeat}"
            cpu_started = time.process_time()
            started = time.perf_counter()
            files, _ = input_files([runs])
            loaded, problems = read_documents(files)
            read_s = time.perf_counter() - started
            merged, problems = merge(loaded, known)
            assert not problems, problems
            merge_s = time.perf_counter() - started - read_s
            build_table(merged)  # measured on its own here; write_report builds it again
            table_s = time.perf_counter() - started - read_s - merge_s
            render_started = time.perf_counter()
            written = write_report(merged, out)
            render_s = time.perf_counter() - render_started
            total = read_s + merge_s + render_s
            cpu = time.process_time() - cpu_started
            totals.append(total)
            cpu_totals.append(cpu)
            print(f"repeat {repeat + 1}: read+validate {read_s:.3f} s, merge {merge_s:.3f} s, "
                  f"table {table_s:.3f} s, render+write everything {render_s:.3f} s -> total {total:.3f} s "
                  f"wall, {cpu:.3f} s CPU")
        for path in written.files:
            print(f"  {path.relative_to(written.folder)}: {path.stat().st_size / 1024:.0f} KiB")
        print(f"total (read, validate, merge, render, write): median {statistics.median(totals):.3f} s, "
              f"best {min(totals):.3f} s, worst {max(totals):.3f} s wall (target: under 2 s); "
              f"CPU median {statistics.median(cpu_totals):.3f} s (the first repeat imports matplotlib)")
        if hasattr(os, "getloadavg"):
            print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
