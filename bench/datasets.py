"""The benchmark databases under bench/data/, built through `crm import` and cached.

A size is cached as three files: `LABEL.ndjson` (the generator's output), `LABEL.db` (what
`crm import` made of it) and `LABEL.json` (generator version, counts, sample records, the
import time). A cache whose generator version or shape differs is rebuilt; `--fresh`
rebuilds anyway. The folder is gitignored.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import generate
from bench.generate import Shape

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
PRESETS = {"small": ("1k",), "medium": ("1k", "100k"), "large": ("1k", "100k", "1m")}
#: The preset that first includes each size, for "skipped (needs --size ...)".
NEEDS = {"1k": "small", "100k": "medium", "1m": "large"}
BOARD_DEALS = 10_000


def crm_path() -> str:
    """The project's installed `crm`: the venv's, else whatever is on PATH."""
    for candidate in (ROOT / ".venv" / "bin" / "crm", Path(sys.executable).parent / "crm"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("crm")
    if not found:
        raise SystemExit("bench: no `crm` found; install the project (make demo) first")
    return found


def compile_installed_code() -> None:
    """Byte-compile crm's own modules, as `pip install` of a wheel does.

    An editable install under PYTHONDONTWRITEBYTECODE (common in containers and CI) has no
    .pyc files for the project, so every run would compile ~60 modules from source while
    the libraries of the floor load from their .pyc: an unfair 30-50 ms. Compiling here
    measures what an installed `crm` costs.
    """
    python = Path(crm_path()).with_name("python")
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", _COMPILE_PACKAGES],
        cwd=tempfile.gettempdir(),  # not the checkout: compile what is installed
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot byte-compile crmcli: {done.stderr.strip()[-300:]}")


_COMPILE_PACKAGES = """
import compileall, importlib.util, sys
for name in ("crmcli", "crmcli.commands", "crmcli.tui", "crmcli.migrations"):
    for folder in importlib.util.find_spec(name).submodule_search_locations:
        if not compileall.compile_dir(folder, quiet=1, maxlevels=0):
            sys.exit(1)
"""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def upgrade(db: Path) -> None:
    """Create an empty database with the current schema (and the default pipeline)."""
    subprocess.run([crm_path(), "--db", str(db), "db", "upgrade"], check=True, capture_output=True)


def timed_import(db: Path, ndjson: Path) -> float:
    """Wall seconds of `crm --db DB import NDJSON` into a fresh database."""
    remove_db(db)
    upgrade(db)
    start = time.perf_counter()
    done = subprocess.run(
        [crm_path(), "--db", str(db), "import", str(ndjson)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"crm import {ndjson.name} failed: {done.stderr.strip()}")
    return elapsed


def database_rows(db: Path) -> int:
    """Rows in every table of `db`, the full-text index included (not its shadow tables)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'search_index_%' AND name != 'alembic_version'"
            )
        ]
        return sum(connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)


def rows_written(db: Path) -> int:
    """The database rows an import wrote into `db`: what it holds beyond a new database."""
    empty = DATA / "empty-schema.db"
    remove_db(empty)
    upgrade(empty)
    try:
        return database_rows(db) - database_rows(empty)
    finally:
        remove_db(empty)


@dataclass
class Dataset:
    """A built size: where its files are and what is in them."""

    label: str
    shape: Shape
    db: Path
    ndjson: Path
    lines: int
    rows: int
    sample_email: str
    sample_name: str
    import_seconds: float
    built_now: bool

    @property
    def customers(self) -> int:
        return self.shape.customers

    @property
    def purchases(self) -> int:
        return self.shape.purchases


def _meta_ok(meta_path: Path, shape: Shape, db: Path, ndjson: Path) -> dict | None:
    if not (meta_path.exists() and db.exists() and ndjson.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("version") != generate.GENERATOR_VERSION or meta.get("shape") != asdict(shape):
        return None
    return meta


def ensure(label: str, shape: Shape, *, fresh: bool = False) -> Dataset:
    """The database of `shape`, from the cache or generated and imported now."""
    DATA.mkdir(parents=True, exist_ok=True)
    db, ndjson, meta_path = DATA / f"{label}.db", DATA / f"{label}.ndjson", DATA / f"{label}.json"
    meta = None if fresh else _meta_ok(meta_path, shape, db, ndjson)
    built_now = meta is None
    if meta is None:
        meta_path.unlink(missing_ok=True)
        log(f"{label}: generating {ndjson.name} ...")
        start = time.perf_counter()
        summary = generate.write_file(ndjson, shape)
        log(f"{label}: {summary.total:,} lines in {time.perf_counter() - start:.1f} s; importing")
        seconds = timed_import(db, ndjson)
        log(f"{label}: crm import took {seconds:.1f} s ({summary.total / seconds:,.0f} lines/s)")
        meta = {
            "version": generate.GENERATOR_VERSION,
            "shape": asdict(shape),
            "lines": summary.lines,
            "total": summary.total,
            "sample_email": summary.sample_email,
            "sample_name": summary.sample_name,
            "anchor": summary.anchor,
            "import_seconds": seconds,
            "built": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    if "rows" not in meta:  # caches from before rows were counted
        meta["rows"] = rows_written(db)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return Dataset(
        label=label,
        shape=shape,
        db=db,
        ndjson=ndjson,
        lines=meta["total"],
        rows=meta["rows"],
        sample_email=meta["sample_email"],
        sample_name=meta["sample_name"],
        import_seconds=meta["import_seconds"],
        built_now=built_now,
    )


def standard(label: str, *, fresh: bool = False) -> Dataset:
    return ensure(label, Shape.standard(SIZES[label]), fresh=fresh)


def sales(label: str, *, fresh: bool = False) -> Dataset:
    """The purchase import's data set of a size: as many purchases as the size's customers
    (1m: 1,000,000 purchases by 100,000 customers)."""
    return ensure(f"purchases-{label}", Shape.sales(SIZES[label]), fresh=fresh)


def board(*, fresh: bool = False) -> Dataset:
    return ensure("board-10k", Shape.board(BOARD_DEALS), fresh=fresh)
