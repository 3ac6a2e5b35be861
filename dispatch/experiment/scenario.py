"""Scenario files: a district source, cluster parameters, policies, demand and
simulation settings, validated by pydantic and loaded safely from YAML or JSON.

A scenario's :meth:`~Scenario.key` is a stable hash of everything that decides its
results (the district's file contents included, its name and file paths not), so
results stored under the key stay valid wherever the files move.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import stat
import time
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from typing_extensions import Self

from ..district import District
from ..errors import InputError
from ..evaluate.allocation import Allocation, AllocationParams, allocate
from ..evaluate.demand import DemandParams
from ..evaluate.history import History
from ..evaluate.simulation import Comparison, SimulationParams, SimulationResult, compare, simulate
from ..io.coords import parse_crs
from ..io.layers import LayerSource
from ..model import Frozen, describe_validation_error
from ..network import RoadNetwork
from ..operate.policies import ClusterFirst, NearestFree, OwnStation, Policy
from ..operate.travel import TravelTables
from ..plan.clustering import cluster
from ..plan.params import ClusterParams
from ..plan.structure import ClusterPlan
from ..progress import OnProgress

__all__ = [
    "MAX_DISTRICT_FILE_BYTES",
    "MAX_FILE_BYTES",
    "MAX_SCENARIOS",
    "DemoDistrict",
    "FilesDistrict",
    "FolderDistrict",
    "PolicyParams",
    "Scenario",
    "Sweep",
    "load_scenario",
    "load_sweep",
    "read_document",
]

MAX_FILE_BYTES = 1_000_000
"""Scenario and sweep files larger than this are refused."""

MAX_DISTRICT_FILE_BYTES = 1_000_000_000
"""District files (layers, roads) larger than this are refused."""

MAX_SCENARIOS = 10_000
"""Most scenarios (grid combinations) one sweep may hold."""

RESULTS_VERSION = "2"
"""Bumped whenever a change to dispatch would change stored results."""

ALIASES = {"horizon_days": "horizon"}
"""Scenario keys that stand for another field in other units."""

CHUNK_BYTES = 1 << 20
"""District files are hashed in pieces of this size."""

SETTLED_NS = 2_000_000_000
"""Nanoseconds after its last change from which a file's hash is remembered."""


def _status(
    path: Path,
    *,
    folder: bool = False,
    kind: str = "district files",
    limit: int = MAX_DISTRICT_FILE_BYTES,
    hint: str = "; give a path relative to the scenario file",
) -> os.stat_result:
    """``path``'s status, checked to be a regular file of at most ``limit`` bytes
    (or, with ``folder``, a directory)."""
    try:
        info = path.stat()
    except OSError:
        raise InputError(f"{str(path)!r} does not exist{hint}") from None
    if folder and not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{str(path)!r} is not a folder; give the folder that holds the district's files")
    if not folder and not stat.S_ISREG(info.st_mode):
        raise InputError(f"{str(path)!r} is not a regular file (it is a folder, device or pipe); give a file")
    if not folder and info.st_size > limit:
        raise InputError(f"{str(path)!r} is {info.st_size:,} bytes; {kind} may be at most {limit:,} bytes")
    return info


def _file(path: Path) -> Path:
    _status(path)
    return path.resolve()


def _folder(path: Path) -> Path:
    _status(path, folder=True)
    return path.resolve()


FilePath = Annotated[Path, AfterValidator(_file)]
FolderPath = Annotated[Path, AfterValidator(_folder)]


def _files_digest(paths: list[Path]) -> str:
    """The SHA-256 of the names and contents of ``paths``, each file read in
    pieces, and read again in one process only when its size or modification
    time changed (or it changed in the last two seconds). A device, a pipe, a
    folder or a file over :data:`MAX_DISTRICT_FILE_BYTES` is refused, naming the
    path."""
    identities = []
    for path in paths:
        info = _status(path)
        identities.append((str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    # A file changed within the clock's resolution may keep its time: read it again.
    settled = all(time.time_ns() - modified > SETTLED_NS for *_, modified in identities)
    return (_cached_digest if settled else _digest)(tuple(identities))


def _digest(files: tuple[tuple[str, int, int, int, int], ...]) -> str:
    """The hash of the ``(path, device, inode, size, modified)`` files."""
    digest = hashlib.sha256()
    for path, device, inode, _, _ in files:
        digest.update(Path(path).name.encode() + b"\0")
        # Non-blocking, so that a pipe put in the file's place cannot hang the open.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            opened = os.fstat(f.fileno())
            if (opened.st_dev, opened.st_ino) != (device, inode) or not stat.S_ISREG(opened.st_mode):
                raise InputError(f"{path!r} was replaced while it was being read; run again")
            read = 0
            while chunk := f.read(CHUNK_BYTES):
                read += len(chunk)
                if read > MAX_DISTRICT_FILE_BYTES:
                    raise InputError(f"{path!r} grew past {MAX_DISTRICT_FILE_BYTES:,} bytes while it was being read")
                digest.update(chunk)
    return digest.hexdigest()


_cached_digest = lru_cache(maxsize=256)(_digest)


class DemoDistrict(Frozen):
    """The bundled synthetic demo county (with ``emergency_units``, its variant
    with minimal emergency units in six remote villages)."""

    source: Literal["demo"] = "demo"
    emergency_units: bool = False

    def load(self) -> District:
        """The district."""
        from ..datasets import demo_district

        return demo_district(with_emergency_units=self.emergency_units)

    def history(self, district: District) -> History | None:
        """No incident history."""
        return None

    def files(self) -> list[Path]:
        """The files whose contents decide the district."""
        folder = Path(str(files("dispatch.datasets") / "demo"))
        return sorted(p for p in folder.iterdir() if p.is_file())


class FolderDistrict(Frozen):
    """A district folder written by :func:`dispatch.io.write_district`."""

    source: Literal["folder"]
    path: FolderPath

    def load(self) -> District:
        """The district."""
        from ..io import read_district

        return read_district(self.path)

    def history(self, district: District) -> History | None:
        """No incident history."""
        return None

    def files(self) -> list[Path]:
        """The files whose contents decide the district: everything in the folder
        but sub-folders."""
        return sorted(p for p in self.path.iterdir() if not p.is_dir())


class RoadFiles(Frozen):
    """Roads as a nodes CSV and an edges CSV (see :mod:`dispatch.io.roads`); an
    OSM file (XML or GraphML: the ``osm`` extra; PBF: the ``files`` extra); or a
    road line layer with a ``class`` and/or ``speed`` (km/h) column.
    ``speeds_kph`` overrides the default speed of road classes."""

    model_config = ConfigDict(**Frozen.model_config, populate_by_name=True)

    nodes: FilePath | None = None
    edges: FilePath | None = None
    osm: FilePath | None = None
    lines: FilePath | LayerSource | None = None
    class_: str | None = Field(None, alias="class")
    speed: str | None = None
    speeds_kph: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [self.nodes is not None or self.edges is not None, self.osm is not None, self.lines is not None]
        if sum(given) != 1 or (given[0] and (self.nodes is None or self.edges is None)):
            raise ValueError(
                "give exactly one of: nodes and edges (CSV files), osm (an OSM XML, PBF or GraphML file), "
                "or lines (a road line layer)"
            )
        if (self.class_ or self.speed) and self.lines is None:
            raise ValueError("class and speed name columns of a road line layer: give lines")
        return self

    def network(self, crs: str | int | None) -> RoadNetwork:
        """The road network; nodes in longitude/latitude are projected to a metric CRS."""
        from ..io.roads import projected, read_osm_pbf, read_road_lines, read_roads
        from ..network.convert import RURAL_SPEEDS_KPH, from_osm_file
        from ..network.lines import ROAD_SPEEDS_KPH

        if self.lines is not None:
            return read_road_lines(
                self.lines,
                class_column=self.class_,
                speed_column=self.speed,
                speeds_kph={**ROAD_SPEEDS_KPH, **self.speeds_kph},
            )
        if self.osm is not None:
            speeds = {**RURAL_SPEEDS_KPH, **self.speeds_kph}
            if self.osm.name.lower().endswith(".pbf"):
                return read_osm_pbf(self.osm, speeds_kph=speeds)
            return from_osm_file(self.osm, speeds_kph=speeds)
        assert self.nodes is not None and self.edges is not None
        return projected(read_roads(self.nodes, self.edges, crs=parse_crs(crs, "district.crs").crs))

    def files(self) -> list[Path]:
        """The road files."""
        lines = self.lines.path if isinstance(self.lines, LayerSource) else self.lines
        return _with_sidecars([p for p in (self.nodes, self.edges, self.osm, lines) if p is not None])


LayerField = FilePath | LayerSource
"""A layer: a path, or a mapping {path, sheet, layer, crs, encoding, columns}."""


def _with_sidecars(paths: list[Path]) -> list[Path]:
    """``paths`` and the files a shapefile keeps beside it (.dbf, .shx, .prj, .cpg)."""
    found = []
    for path in paths:
        found.append(path)
        if path.suffix.lower() == ".shp":
            found += [p for p in sorted(path.parent.glob(path.stem + ".*")) if p != path and p.is_file()]
    return found


class FilesDistrict(Frozen):
    """Layers from files (CSV, XLSX, GeoJSON, shapefiles, GeoPackages; see
    :func:`dispatch.io.read_layer`) and a road source. ``crs`` is the CRS of
    road node CSVs. With ``incidents`` (a 110 / CAD export) the villages' yearly
    rates come from the calls."""

    source: Literal["files"]
    name: str = "district"
    stations: LayerField
    roads: RoadFiles
    units: LayerField | None = None
    villages: LayerField | None = None
    partners: LayerField | None = None
    boundary: LayerField | None = None
    jurisdictions: LayerField | None = None
    incidents: LayerField | None = None
    crs: str | int | None = None
    max_snap_distance: float = Field(1_000.0, gt=0)
    max_call_distance: float = Field(5_000.0, gt=0)

    _loaded: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _layers_exist(self) -> Self:
        for name in LAYERS:
            value = getattr(self, name)
            if isinstance(value, LayerSource):
                _file(value.path)
        return self

    def load(self) -> District:
        """The district (village rates from the incidents, if given)."""
        from ..evaluate.history import match_calls
        from ..io.folder import district_from_layers, read_layers
        from ..io.incidents import calls_of

        roads = self.roads.network(self.crs)
        sources = {name: getattr(self, name) for name in LAYERS}
        layers = read_layers(roads, **sources)
        district = district_from_layers(self.name, roads, layers, max_snap_distance=self.max_snap_distance)
        history = None
        if "incidents" in layers:
            areas = layers["villages"].areas if "villages" in layers else {}
            history = match_calls(
                calls_of(layers["incidents"]), district, areas=areas, max_distance=self.max_call_distance
            )
            rates = history.rates()
            district = district.replace(
                villages=[v.replace(incident_rate=float(r)) for v, r in zip(district.villages, rates)]
            )
        self._loaded.update(district=district, history=history, layers=layers)
        return district

    def history(self, district: District) -> History | None:
        """The calls of ``incidents`` matched to ``district``'s villages (``None``
        without incidents)."""
        if self.incidents is None:
            return None
        if self._loaded.get("district") is not district:
            self.load()
        history: History | None = self._loaded["history"]
        return history

    def files(self) -> list[Path]:
        """The files whose contents decide the district."""
        paths = [getattr(self, name) for name in LAYERS]
        paths = [p.path if isinstance(p, LayerSource) else p for p in paths if p is not None]
        return _with_sidecars(paths) + self.roads.files()


LAYERS = ("stations", "units", "villages", "partners", "boundary", "jurisdictions", "incidents")
"""The layers of a ``files`` district."""


DistrictSource = Annotated[DemoDistrict | FolderDistrict | FilesDistrict, Field(discriminator="source")]


class PolicyParams(Frozen):
    """A dispatch policy by name: ``own_station``, ``nearest_free`` or
    ``cluster_first``; ``mutual_aid`` ``None`` keeps the policy's default."""

    name: Literal["own_station", "nearest_free", "cluster_first"] = "cluster_first"
    mutual_aid: bool | None = None

    @property
    def needs_plan(self) -> bool:
        """Whether the policy works on a cluster plan."""
        return self.name == "cluster_first"

    def build(self) -> Policy:
        """The policy object."""
        kinds: dict[str, type[OwnStation] | type[NearestFree] | type[ClusterFirst]] = {
            "own_station": OwnStation,
            "nearest_free": NearestFree,
            "cluster_first": ClusterFirst,
        }
        kind = kinds[self.name]
        policy: Policy = kind() if self.mutual_aid is None else kind(mutual_aid=self.mutual_aid)
        return policy


class Scenario(Frozen):
    """Everything one planning run needs.

    ``policy`` is the policy under study (the plan's); ``baseline`` the one it is
    compared with (by default the pre-reform OwnStation). With ``allocation``,
    extra units go where :func:`~dispatch.evaluate.allocation.allocate` puts them
    before the district is simulated (a sweep may vary ``allocation.units``).
    """

    name: str = "scenario"
    district: DistrictSource = Field(default_factory=DemoDistrict)
    plan: ClusterParams = Field(default_factory=ClusterParams)
    policy: PolicyParams = Field(default_factory=PolicyParams)
    baseline: PolicyParams = Field(default_factory=lambda: PolicyParams(name="own_station"))
    demand: DemandParams = Field(default_factory=DemandParams)
    simulation: SimulationParams = Field(default_factory=lambda: SimulationParams(replications=3))
    replay: bool = False
    allocation: AllocationParams | None = None

    @model_validator(mode="after")
    def _replay_needs_incidents(self) -> Self:
        if self.replay and getattr(self.district, "incidents", None) is None:
            raise ValueError("replay: true replays the district's incidents: give district.incidents (a call export)")
        return self

    def with_changes(self, changes: Mapping[str, Any]) -> Self:
        """A validated copy with ``changes`` applied, keyed by dotted paths such as
        ``"plan.max_bases"``."""
        data = self.model_dump(mode="json")
        for path, value in changes.items():
            node = data
            *parents, last = path.split(".")
            for part in parents:
                if not isinstance(node.get(part), dict):
                    raise InputError(f"cannot set {path!r}: {part!r} is not a section of the scenario")
                node = node[part]
            node.pop(ALIASES.get(last, ""), None)  # horizon_days replaces horizon
            node[last] = value
        try:
            return type(self).model_validate(data)
        except ValidationError as error:
            raise InputError(
                f"the changes {dict(changes)} make an invalid scenario", describe_validation_error("Scenario", error)
            ) from None

    def key(self) -> str:
        """A stable hash of what decides the results (not the name or file paths).

        District files are hashed in pieces, each once per process; one that is
        not a regular file, or is over :data:`MAX_DISTRICT_FILE_BYTES`, raises
        :class:`InputError` naming it.
        """
        unset = {"allocation"} if self.allocation is None else set()  # keys from before allocations stay
        content = self.model_dump(mode="json", exclude={"name", "district"} | unset)
        content["district"] = {"source": self.district.source, "files": _files_digest(self.district.files())}
        if isinstance(self.district, DemoDistrict) and self.district.emergency_units:
            content["district"]["emergency_units"] = True
        content["version"] = RESULTS_VERSION
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:20]

    def cluster_plan(self, district: District) -> ClusterPlan | None:
        """The plan the policies or the allocation's central rule need (``None``
        when none does)."""
        rule = self.allocation is not None and self.allocation.central_rule
        return cluster(district, self.plan) if self.policy.needs_plan or self.baseline.needs_plan or rule else None

    def allocate(
        self,
        district: District,
        plan: ClusterPlan | None,
        *,
        tables: TravelTables | None = None,
        on_progress: OnProgress | None = None,
    ) -> Allocation:
        """The scenario's allocation of extra units on ``district`` (its demand's
        on-scene time and priorities; ``plan`` for the central rule)."""
        params = self.allocation or AllocationParams()
        return allocate(district, params, plan=plan, demand=self.demand, tables=tables, on_progress=on_progress)

    def simulate(
        self,
        district: District,
        plan: ClusterPlan | None,
        *,
        baseline: bool = False,
        replications: int | None = None,
        first_replication: int = 0,
        tables: TravelTables | None = None,
        on_progress: OnProgress | None = None,
    ) -> SimulationResult:
        """Simulate the scenario's policy (or its baseline) on ``district``;
        ``replications`` overrides the scenario's count."""
        spec = self.baseline if baseline else self.policy
        params = self.simulation if replications is None else self.simulation.replace(replications=replications)
        return simulate(
            district,
            plan if spec.needs_plan else None,
            spec.build(),
            params=params,
            **self.calls(district),
            first_replication=first_replication,
            tables=tables,
            on_progress=on_progress,
        )

    def compare(self, district: District, plan: ClusterPlan, *, on_progress: OnProgress | None = None) -> Comparison:
        """The baseline against the scenario's policy, on the same calls."""
        return compare(
            district,
            plan,
            before=self.baseline.build(),
            after=self.policy.build(),
            params=self.simulation,
            **self.calls(district),
            on_progress=on_progress,
        )

    def calls(self, district: District) -> dict[str, Any]:
        """Where the simulated calls come from: ``demand`` (fitted to the
        district's incident history, if any), or the history's ``incidents``
        with ``replay``."""
        history = self.district.history(district)
        if history is None:
            return {"demand": self.demand}
        if self.replay:
            return {"incidents": history.stream(self.demand.service, self.simulation.seed)}
        return {"demand": history.demand(self.demand)}


def _combinations(grid: dict[str, list[Any]]) -> int:
    return math.prod(len(values) for values in grid.values())


class Sweep(Frozen):
    """A base scenario and parameter grids: every combination of the ``grid``
    values (dotted paths into the scenario) is a scenario, each run for the base
    scenario's replications. A grid lists each value once and makes at most
    :data:`MAX_SCENARIOS` scenarios."""

    name: str = "sweep"
    base: Scenario = Field(default_factory=Scenario)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    @field_validator("grid")
    @classmethod
    def _bounded_grid(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        size = _combinations(grid)
        if size > MAX_SCENARIOS:
            sizes = " x ".join(f"{len(v):,}" for v in grid.values())
            raise ValueError(
                f"the grid makes {size:,} scenarios ({sizes}); a sweep may hold at most {MAX_SCENARIOS:,}: "
                "split it into smaller sweeps"
            )
        for path, values in grid.items():
            if not values:
                raise ValueError(f"grid entry {path!r} needs at least one value")
            seen: set[str] = set()
            for value in values:
                text = json.dumps(value, sort_keys=True, default=str)
                if text in seen:
                    raise ValueError(f"grid entry {path!r} lists {value!r} more than once")
                seen.add(text)
        return grid

    @property
    def size(self) -> int:
        """The number of scenarios: the product of the grid's lengths."""
        return _combinations(self.grid)

    def scenarios(self) -> Iterator[tuple[dict[str, Any], Scenario]]:
        """Each combination of grid values and its scenario, made one at a time."""
        keys = list(self.grid)
        for values in itertools.product(*(self.grid[k] for k in keys)):
            changes = dict(zip(keys, values))
            yield changes, self.base.with_changes(changes)


class DuplicateKeyError(ValueError):
    """A mapping that gives one key twice (JSON and YAML parsers keep the last)."""

    def __init__(self, key: Any, where: str = "") -> None:
        super().__init__(f"the key {key!r} appears twice{where}; keep one of them")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object from its ``pairs``, refusing a key given twice."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKeyError(key)
        found[key] = value
    return found


def _yaml_loader() -> Any:
    """A safe YAML loader class that refuses anchors and aliases (no YAML bombs)
    and keys given twice in one mapping."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in dispatch files; write the values out"
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (str, int, float, bool)) or key is None:
                    if key in seen:
                        raise DuplicateKeyError(key, f" (line {key_node.start_mark.line + 1})")
                    seen.add(key)
            return super().construct_mapping(node, deep)

    return Loader


def read_document(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file as a dict, loaded safely: no code runs, no aliases, at
    most :data:`MAX_FILE_BYTES` bytes."""
    path = Path(path)
    _status(path, kind="scenario files", limit=MAX_FILE_BYTES, hint="")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            document = json.loads(text, object_pairs_hook=_unique_keys)
        else:
            import yaml

            document = yaml.load(text, Loader=_yaml_loader())
    except RecursionError:
        raise InputError(f"{str(path)!r} is nested too deeply") from None
    except DuplicateKeyError as error:
        raise InputError(f"{str(path)!r}: {error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{str(path)!r} is not valid JSON or UTF-8: {error}") from None
    except Exception as error:
        if type(error).__module__.startswith("yaml"):
            raise InputError(f"{str(path)!r} is not valid YAML: {error}") from None
        raise
    if not isinstance(document, dict):
        raise InputError(f"{str(path)!r} must hold a mapping of settings, not {type(document).__name__}")
    return document


PATH_FIELDS = ("path", *LAYERS, "nodes", "edges", "osm", "lines")
"""District-source fields that name files (relative to the scenario file)."""


def _absolute(section: Any, base: Path) -> Any:
    """``section`` with every relative file path made relative to ``base``."""
    if not isinstance(section, dict):
        return section
    found = {}
    for key, value in section.items():
        if key in PATH_FIELDS and isinstance(value, str) and not Path(value).is_absolute():
            value = str(base / value)
        found[key] = _absolute(value, base)
    return found


def _validated(model: type[Frozen], path: Path) -> Any:
    data = read_document(path)
    for section in (data, data.get("base")):
        if isinstance(section, dict) and "district" in section:
            section["district"] = _absolute(section["district"], path.parent)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(
            f"{str(path)!r} is not a valid {model.__name__.lower()} file",
            describe_validation_error(model.__name__, error),
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (paths in it are relative to the file)."""
    scenario: Scenario = _validated(Scenario, Path(path))
    return scenario


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file: ``base`` (a scenario) and ``grid``, at most
    :data:`MAX_SCENARIOS` combinations, each a valid scenario."""
    sweep: Sweep = _validated(Sweep, Path(path))
    for _ in sweep.scenarios():  # every combination must make a valid scenario
        pass
    return sweep
