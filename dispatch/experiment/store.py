"""Sweep results in an embedded SQLite database, shared safely by sweeps.

Each row is keyed by its scenario's stable hash and the replication number, so a
row computed for one sweep serves every sweep whose grid holds that scenario. A
sweep's rows are found by the keys of its own grid, never by its name.

Sweeps that run at the same time on one database share the work through claims:
a sweep claims a row before computing it, and another sweep leaves a claimed row
to its owner while that owner lives (a process on this machine that still runs,
or one elsewhere that renewed its claim within :data:`LEASE_SECONDS`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InputError
from .scenario import Scenario, Sweep

__all__ = ["LEASE_SECONDS", "ResultStore", "Row", "keyed_scenarios"]

LEASE_SECONDS = 600.0
"""How long a claim from another machine holds without being renewed."""

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs (scenario TEXT NOT NULL, replication INTEGER NOT NULL, "
    "sweep TEXT NOT NULL, changes TEXT NOT NULL, result TEXT NOT NULL, finished TEXT NOT NULL, "
    "PRIMARY KEY (scenario, replication))",
    "CREATE TABLE IF NOT EXISTS claims (scenario TEXT NOT NULL, replication INTEGER NOT NULL, "
    "owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, renewed REAL NOT NULL, "
    "PRIMARY KEY (scenario, replication))",
)

Pair = tuple[str, int]
"""A row's identity: scenario key and replication."""


@dataclass(frozen=True)
class Row:
    """One scenario x replication: its grid values, plan summary and metrics."""

    key: str
    replication: int
    sweep: str
    changes: dict[str, Any]
    result: dict[str, Any]


def keyed_scenarios(sweep: Sweep) -> Iterator[tuple[dict[str, Any], str, Scenario]]:
    """Each scenario of ``sweep`` in grid order: its grid values, key and scenario.

    Examples
    --------
    >>> sweep = Sweep(grid={"simulation.seed": [1, 2]})
    >>> [(changes, len(key)) for changes, key, _ in keyed_scenarios(sweep)]
    [({'simulation.seed': 1}, 20), ({'simulation.seed': 2}, 20)]
    """
    for changes, scenario in sweep.scenarios():
        yield changes, scenario.key(), scenario


def _alive(host: str, pid: int, renewed: float) -> bool:
    """Whether the owner of a claim still works on it."""
    if host != socket.gethostname():
        return time.time() - renewed < LEASE_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class ResultStore:
    """Sweep results in a SQLite file (created when missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.owner = uuid.uuid4().hex
        try:
            self._db = sqlite3.connect(self.path, timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            for statement in SCHEMA:
                self._db.execute(statement)
            self._db.commit()
        except sqlite3.DatabaseError as error:
            raise InputError(f"{str(self.path)!r} is not a usable results database: {error}") from None

    def add(self, row: Row) -> None:
        """Store a row, in its own transaction; a row already there is kept."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.key,
                    row.replication,
                    row.sweep,
                    json.dumps(row.changes, sort_keys=True),
                    json.dumps(row.result, sort_keys=True),
                    datetime.now(timezone.utc).isoformat(),
                ),
            )

    def result(self, key: str, replication: int) -> dict[str, Any] | None:
        """The stored result of one row, or ``None``."""
        found = self._db.execute(
            "SELECT result FROM runs WHERE scenario = ? AND replication = ?", (key, replication)
        ).fetchone()
        return None if found is None else dict(json.loads(found[0]))

    def rows(self, sweep: Sweep | None = None) -> list[Row]:
        """The rows of exactly ``sweep``'s grid that are stored (in grid and
        replication order, with this sweep's name and grid values), whatever else
        the database holds; without ``sweep``, every row as stored."""
        if sweep is None:
            found = self._db.execute(
                "SELECT scenario, replication, sweep, changes, result FROM runs ORDER BY scenario, replication"
            )
            return [Row(k, int(r), s, json.loads(c), json.loads(x)) for k, r, s, c, x in found]
        rows = []
        for changes, key, scenario in keyed_scenarios(sweep):
            for replication in range(scenario.simulation.replications):
                result = self.result(key, replication)
                if result is not None:
                    rows.append(Row(key, replication, sweep.name, changes, result))
        return rows

    # ------------------------------------------------------------------ claims

    def claim(self, pairs: Sequence[Pair], limit: int) -> tuple[list[int], list[int]]:
        """Claim up to ``limit`` of ``pairs`` for this store, in order, skipping
        those stored and those another live owner holds; return the positions
        claimed and the positions found stored."""
        claimed: list[int] = []
        stored: list[int] = []
        now = time.time()
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")  # one claimant at a time
            for position, (key, replication) in enumerate(pairs):
                if len(claimed) >= limit:
                    break
                if self.result(key, replication) is not None:
                    stored.append(position)
                    continue
                holder = self._db.execute(
                    "SELECT owner, host, pid, renewed FROM claims WHERE scenario = ? AND replication = ?",
                    (key, replication),
                ).fetchone()
                if holder is not None and holder[0] != self.owner and _alive(*holder[1:]):
                    continue
                self._db.execute(
                    "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                    (key, replication, self.owner, socket.gethostname(), os.getpid(), now),
                )
                claimed.append(position)
        return claimed, stored

    def release(self, key: str, replication: int) -> None:
        """Give up this store's claim on a row (done, or failed)."""
        with self._db:
            self._db.execute(
                "DELETE FROM claims WHERE scenario = ? AND replication = ? AND owner = ?",
                (key, replication, self.owner),
            )

    def renew(self) -> None:
        """Tell other machines that this store still works on its claims."""
        with self._db:
            self._db.execute("UPDATE claims SET renewed = ? WHERE owner = ?", (time.time(), self.owner))

    def close(self) -> None:
        """Give up this store's claims and close the database."""
        with self._db:
            self._db.execute("DELETE FROM claims WHERE owner = ?", (self.owner,))
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
