"""How long loading a large `registre.xlsx` takes (the target: 10,000 accounts in at most 5 s).

    python benchmarks/bench_registry_xlsx.py [--accounts 10000] [--repeat 3]

Generates a registry (benchmarks/registry_gen.py), exports it as a workbook the way
`registry export --xlsx` does, then times `load_registry` on it: reading the workbook with
openpyxl in read-only mode, validating with the models and cross-checking (logos included),
exactly what `check` and the night do. Prints each run and the median; the YAML load of the
same registry is printed for comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.registry_gen import write_registry  # noqa: E402
from scanner.config.load import load_registry  # noqa: E402
from scanner.config.registry_export import export_xlsx  # noqa: E402
from scanner.config.xlsx_read import read_workbook  # noqa: E402


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def timed_cpu(action) -> tuple[float, float, object]:
    """Wall and CPU seconds: on a shared machine the CPU time says what the work itself costs."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        yaml_folder, xlsx_folder = Path(work) / "yaml", Path(work) / "xlsx"
        write_registry(args.accounts, yaml_folder)
        write_registry(0, xlsx_folder)
        (xlsx_folder / "registry.yaml").unlink()
        yaml_seconds, registry = timed(lambda: load_registry(yaml_folder))
        admins = sum(len(a.admins) for a in registry.accounts)
        print(
            f"registry: {len(registry.accounts)} accounts, {admins} admins, {len(registry.schools)} schools"
        )
        export_seconds, _ = timed(lambda: export_xlsx(registry, xlsx_folder / "registre.xlsx"))
        size = (xlsx_folder / "registre.xlsx").stat().st_size
        print(f"export --xlsx: {export_seconds:.2f} s, {size / 1e6:.1f} MB")
        print(f"YAML load (for comparison): {yaml_seconds:.2f} s")
        walls, cpus = [], []
        for run in range(1, args.repeat + 1):
            read_wall, read_cpu, _ = timed_cpu(lambda: read_workbook(xlsx_folder / "registre.xlsx", []))
            load_wall, load_cpu, loaded = timed_cpu(lambda: load_registry(xlsx_folder))
            assert loaded == registry, "the workbook does not give back the registry"
            walls.append(load_wall)
            cpus.append(load_cpu)
            print(
                f"run {run}: read the workbook {read_wall:.2f} s (CPU {read_cpu:.2f} s); "
                f"load = read + validate + cross-check {load_wall:.2f} s (CPU {load_cpu:.2f} s)"
            )
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        verdict = "within" if wall <= 5 else "OVER"
        print(
            f"load {args.accounts} accounts from registre.xlsx: median {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"({verdict} the 5 s target; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )


if __name__ == "__main__":
    main()
