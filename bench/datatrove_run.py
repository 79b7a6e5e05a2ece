"""datatrove's pipelines for ``bench.etl``, run by the interpreter of the bench's own
datatrove environment (``data/bench/venv-datatrove``, from ``bench/datatrove-requirements.txt``),
never copydesk's: datatrove is not in copydesk's lock.

    python bench/datatrove_run.py --input DIR --out DIR --workers 2 --tasks 16 [--more]

Prints one JSON line, ``{"wall_seconds": ...}``: the executor's run, the interpreter's
start and imports left out, as the copydesk rows leave out their fixed cost.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="a folder of JSON Lines files ({id, text})")
    parser.add_argument("--out", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--tasks", type=int, required=True)
    parser.add_argument("--more", action="store_true",
                        help="add SymbolLinesFormatter and PIIFormatter, the formatters that need no model download")
    args = parser.parse_args()

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.formatters import FTFYFormatter, PIIFormatter, SymbolLinesFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    shutil.rmtree(args.out, ignore_errors=True)
    steps = [FTFYFormatter(), SymbolLinesFormatter(), PIIFormatter()] if args.more else [FTFYFormatter()]
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(args.input), *steps, ParquetWriter(f"{args.out}/data")],
        tasks=args.tasks, workers=args.workers, logging_dir=f"{args.out}/logs", skip_completed=False,
    )
    start = time.perf_counter()
    executor.run()
    print(json.dumps({"wall_seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
