"""Bad scenario and sweep files, district sources that would hang or exhaust a
sweep, and bad arguments to sweeps and their results database."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dispatch import InputError
from dispatch.experiment.scenario import MAX_FILE_BYTES, Scenario, Sweep, load_scenario, load_sweep, read_document
from dispatch.experiment.sweep import ResultStore, run_sweep

from .framework import Bad, Kit, cases, check

TINY_SWEEP = Sweep(base=Scenario(simulation={"horizon_days": 1, "replications": 1}))


def scenario(k: Kit, text: str, name: str = "scenario.yaml") -> Scenario:
    return load_scenario(k.file(name, text))


def sweep(k: Kit, text: str, name: str = "sweep.yaml") -> Sweep:
    return load_sweep(k.file(name, text))


def files_district(k: Kit, **paths: Any) -> Scenario:
    """A scenario on GeoJSON and CSV files, some replaced by ``paths``."""
    k.file("s.geojson", "{}")
    k.file("n.csv", "id,x,y\n")
    k.file("e.csv", "u,v,travel_time\n")
    source = {
        "source": "files",
        "stations": k.tmp / "s.geojson",
        "roads": {"nodes": k.tmp / "n.csv", "edges": k.tmp / "e.csv"},
    }
    roads = {key: paths.pop(key) for key in ("nodes", "edges", "osm") if key in paths}
    return Scenario(district={**source, **paths, "roads": {**source["roads"], **roads}})


def folder_key(k: Kit, name: str, make: Any) -> str:
    """The key of a folder district holding ``name``, made by ``make(path)``."""
    (k.tmp / "d").mkdir()
    (k.tmp / "d" / "district.json").write_text("{}")
    make(k.tmp / "d" / name)
    return Scenario(district={"source": "folder", "path": k.tmp / "d"}).key()


def sparse(path: Path, size: int = 2 * 10**9) -> Path:
    """A file of ``size`` bytes that takes no room on disk."""
    with path.open("wb") as f:
        f.truncate(size)
    return path


CASES = [
    # scenario files
    Bad(lambda k: scenario(k, "plan: {max_bases: 2, max_bases: 3}\n"), InputError, "'max_bases' appears twice"),
    Bad(lambda k: scenario(k, "name: a\nname: b\n"), InputError, "'name' appears twice (line 2)"),  # twice at the top
    Bad(lambda k: scenario(k, '{"plan": {}, "plan": {}}', "s.json"), InputError, "'plan' appears twice"),  # JSON
    Bad(lambda k: scenario(k, '{"name": "a", "name": "a"}', "s.json"), InputError, "s.json"),  # the file is named
    Bad(lambda k: scenario(k, "plan: {max_bases: two}\n"), InputError, "field 'plan.max_bases'"),  # text for a count
    Bad(lambda k: scenario(k, "plan: {maxbases: 2}\n"), InputError, "field 'plan.maxbases'"),  # misspelt key
    Bad(lambda k: scenario(k, "plan: {n_centrals: true}\n"), InputError, "field 'plan.n_centrals'"),  # boolean count
    Bad(lambda k: scenario(k, "plan: {options: {seed: 4294967296}}\n"), InputError, "plan.options.seed"),  # 2**32
    Bad(lambda k: scenario(k, "plan: {options: {time_limit: .inf}}\n"), InputError, "plan.options.time_limit"),  # inf
    Bad(lambda k: scenario(k, "demand: {scale: .inf}\n"), InputError, "field 'demand.scale'"),  # infinite demand
    Bad(lambda k: scenario(k, "demand: {profile: [.nan]}\n"), InputError, "demand.profile.0"),  # NaN profile
    Bad(lambda k: scenario(k, "demand: {service: {mean: .inf}}\n"), InputError, "demand.service.mean"),  # infinite
    # a NaN score weight
    Bad(lambda k: scenario(k, "plan: {score: {weights: {cases: .nan}}}\n"), InputError, "plan.score.weights.cases"),
    Bad(lambda k: scenario(k, "plan: {balance: {weight: 1e300}}\n"), InputError, "plan.balance.weight"),  # overflow
    Bad(lambda k: scenario(k, "simulation: {horizon_days: 0}\n"), InputError, "horizon_days"),  # no days
    Bad(lambda k: scenario(k, "simulation: {queue: infinte}\n"), InputError, "simulation.queue"),  # misspelt queue
    Bad(lambda k: scenario(k, "policy: {name: closest}\n"), InputError, "policy.name"),  # unknown policy
    Bad(lambda k: scenario(k, "district: {source: atlas}\n"), InputError, "district"),  # unknown source
    # a folder that does not exist
    Bad(lambda k: scenario(k, "district: {source: folder, path: gone}\n"), InputError, "gone' does not exist"),
    # a device for a folder
    Bad(lambda k: scenario(k, "district: {source: folder, path: /dev/zero}\n"), InputError, "is not a folder"),
    # a file for a folder
    Bad(lambda k: scenario(k, "district: {source: folder, path: scenario.yaml}\n"), InputError, "is not a folder"),
    Bad(lambda k: scenario(k, "- 1\n- 2\n"), InputError, "mapping of settings, not list"),  # a list, not settings
    Bad(lambda k: scenario(k, "just text\n"), InputError, "mapping of settings, not str"),  # a bare word
    Bad(lambda k: scenario(k, "a: &x [1]\nb: *x\n"), InputError, "aliases"),  # aliases (YAML bombs)
    Bad(lambda k: scenario(k, "a: !!python/object:os.system {}\n"), InputError, "not valid YAML"),  # code in YAML
    Bad(lambda k: scenario(k, "a: [1, 2\n"), InputError, "not valid YAML"),  # unclosed bracket
    Bad(lambda k: scenario(k, "{", "s.json"), InputError, "not valid JSON"),  # truncated JSON
    Bad(lambda k: scenario(k, "[" * 100_000, "s.json"), InputError, "nested too deeply"),  # deep nesting
    Bad(lambda k: scenario(k, "a" * (MAX_FILE_BYTES + 1)), InputError, "may be at most 1,000,000 bytes"),  # huge
    Bad(lambda k: read_document(k.file("s.yaml", b"name: \xff\n")), InputError, "UTF-8"),  # not UTF-8
    Bad(lambda k: read_document(k.tmp / "none.yaml"), InputError, "none.yaml"),  # no such file
    Bad(lambda k: read_document(k.fifo("pipe.yaml")), InputError, "pipe.yaml' is not a regular file"),  # would block
    Bad(lambda k: read_document(k.tmp), InputError, "is not a regular file"),  # a folder
    # district sources, and hashing their files for a sweep's key
    Bad(lambda k: files_district(k, stations="/dev/zero"), InputError, "'/dev/zero' is not a regular file"),  # endless
    Bad(lambda k: files_district(k, villages="/dev/urandom"), InputError, "'/dev/urandom' is not a regular"),  # random
    Bad(lambda k: files_district(k, boundary=k.fifo("pipe")), InputError, "pipe' is not a regular file"),  # blocks
    Bad(lambda k: files_district(k, jurisdictions=k.tmp), InputError, "is not a regular file"),  # a folder
    Bad(lambda k: files_district(k, osm=k.tmp / "x.osm"), InputError, "x.osm' does not exist"),  # missing OSM file
    Bad(lambda k: files_district(k, nodes=None), InputError, "give exactly one of: nodes and edges"),  # half the roads
    Bad(lambda k: files_district(k, max_snap_distance=0), InputError, "max_snap_distance"),  # nothing may snap
    Bad(lambda k: files_district(k, partners=sparse(k.tmp / "big")), InputError, "big' is 2,000,000,000 bytes"),  # 2 GB
    # a pipe among the folder's files: hashing it would block
    Bad(lambda k: folder_key(k, "roads.edges.csv", os.mkfifo), InputError, "roads.edges.csv' is not a regular file"),
    Bad(lambda k: folder_key(k, "stray.bin", sparse), InputError, "stray.bin' is 2,000,000,000 bytes"),  # a stray 2 GB
    # a link to an endless device in the folder
    Bad(lambda k: folder_key(k, "zero", lambda p: p.symlink_to("/dev/zero")), InputError, "zero' is not a regular"),
    Bad(lambda k: Scenario().with_changes({"plan.max_bases": -1}), InputError, "field 'plan.max_bases'"),  # bad edit
    Bad(lambda k: Scenario().with_changes({"nowhere.deeper": 1}), InputError, "'nowhere' is not a section"),  # no path
    Bad(lambda k: Scenario().with_changes({"plan.max_bases": True}), InputError, "plan.max_bases"),  # boolean count
    # sweep files
    Bad(
        lambda k: sweep(k, f"grid: {{a: {list(range(101))}, b: {list(range(100))}}}\n"), InputError, "10,100 scenarios"
    ),
    # 1.6 billion combinations would hang; 80,000 are refused at once
    Bad(
        lambda k: sweep(
            k, json.dumps({"grid": {"simulation.seed": list(range(40_000)), "demand.scale": [1.0, 2.0]}}), "s.json"
        ),
        InputError,
        "80,000 scenarios (40,000 x 2)",
    ),
    # a grid entry with no values
    Bad(lambda k: sweep(k, "grid: {plan.max_bases: []}\n"), InputError, "'plan.max_bases' needs at least one value"),
    Bad(lambda k: sweep(k, "grid: {simulation.seed: [1, 2, 1]}\n"), InputError, "lists 1 more than once"),  # repeated
    Bad(lambda k: sweep(k, "grid: {plan.max_bases: [1, -2]}\n"), InputError, "plan.max_bases"),  # an invalid scenario
    Bad(lambda k: sweep(k, "grid: {plan.nowhere: [1]}\n"), InputError, "plan.nowhere"),  # a field that does not exist
    Bad(lambda k: sweep(k, "grid: {plan.max_bases: 2}\n"), InputError, "field 'grid.plan.max_bases'"),  # not a list
    Bad(lambda k: sweep(k, "base: {plan: {max_bases: x}}\n"), InputError, "base.plan.max_bases"),  # bad base
    Bad(lambda k: sweep(k, "grid: {a: [1]}\ngrid: {b: [2]}\n"), InputError, "'grid' appears twice"),  # grid twice
    Bad(lambda k: sweep(k, "grid: {simulation.seed: [1]}\nreplications: 3\n"), InputError, "replications"),  # stray
    # running sweeps
    Bad(lambda k: run_sweep(TINY_SWEEP, ResultStore(k.tmp / "r.db"), workers=0), InputError, "workers"),  # no workers
    Bad(lambda k: run_sweep(TINY_SWEEP, ResultStore(k.tmp / "r.db"), workers=-2), InputError, "workers"),  # negative
    Bad(lambda k: run_sweep(TINY_SWEEP, ResultStore(k.tmp / "r.db"), workers=True), InputError, "workers"),  # boolean
    # a file of zeros for a database
    Bad(lambda k: ResultStore(k.file("r.db", b"\x00" * 4096)), InputError, "r.db' is not a usable results database"),
    Bad(lambda k: ResultStore(k.file("r.db", "SQLite format 3\x00" + "x" * 100)), InputError, "r.db"),  # torn header
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_scenarios_and_sweeps_are_refused_by_file_and_field(
    case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]
) -> None:
    check(case, kit, capsys)
