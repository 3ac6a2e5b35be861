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
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, model_validator
from typing_extensions import Self

from ..district import District
from ..errors import InputError
from ..evaluate.demand import DemandParams
from ..evaluate.simulation import Comparison, SimulationParams, SimulationResult, compare, simulate
from ..model import Frozen, describe_validation_error
from ..operate.policies import ClusterFirst, NearestFree, OwnStation, Policy
from ..operate.travel import TravelTables
from ..plan.cells import read_cells
from ..plan.clustering import cluster
from ..plan.gridplan import GridPlan
from ..plan.grids import GridParams, police_grids
from ..plan.params import ClusterParams
from ..plan.structure import ClusterPlan
from ..progress import OnProgress

__all__ = [
    "MAX_FILE_BYTES",
    "DemoDistrict",
    "FilesDistrict",
    "FolderDistrict",
    "GridsSection",
    "PolicyParams",
    "Scenario",
    "Sweep",
    "load_scenario",
    "load_sweep",
    "read_document",
]

MAX_FILE_BYTES = 1_000_000
"""Scenario and sweep files larger than this are refused."""

RESULTS_VERSION = "2"

ALIASES = {"horizon_days": "horizon"}
"""Scenario keys that stand for another field in other units."""
"""Bumped whenever a change to dispatch would change stored results."""


def _existing(path: Path) -> Path:
    """Check that ``path`` exists."""
    if not path.exists():
        raise ValueError(f"{str(path)!r} does not exist; give a path relative to the scenario file")
    return path.resolve()


FilePath = Annotated[Path, AfterValidator(_existing)]


class DemoDistrict(Frozen):
    """The bundled synthetic demo county."""

    source: Literal["demo"] = "demo"

    def load(self) -> District:
        """The district."""
        from ..datasets import demo_district

        return demo_district()

    def files(self) -> list[Path]:
        """The files whose contents decide the district."""
        folder = Path(str(files("dispatch.datasets") / "demo"))
        return sorted(p for p in folder.iterdir() if p.is_file())


class FolderDistrict(Frozen):
    """A district folder written by :func:`dispatch.io.write_district`."""

    source: Literal["folder"]
    path: FilePath

    def load(self) -> District:
        """The district."""
        from ..io import read_district

        return read_district(self.path)

    def files(self) -> list[Path]:
        """The files whose contents decide the district."""
        return sorted(p for p in self.path.iterdir() if p.is_file())


class RoadFiles(Frozen):
    """Roads as a nodes CSV and an edges CSV (see :mod:`dispatch.io.roads`), or an
    OSM XML file (needs the ``osm`` extra)."""

    nodes: FilePath | None = None
    edges: FilePath | None = None
    osm: FilePath | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.osm is None) == (self.nodes is None or self.edges is None):
            raise ValueError("give either nodes and edges (CSV files) or osm (an OSM XML file)")
        return self

    def files(self) -> list[Path]:
        """The road files."""
        return [p for p in (self.nodes, self.edges, self.osm) if p is not None]


class FilesDistrict(Frozen):
    """GeoJSON layers and a road source."""

    source: Literal["files"]
    name: str = "district"
    stations: FilePath
    roads: RoadFiles
    villages: FilePath | None = None
    partners: FilePath | None = None
    boundary: FilePath | None = None
    jurisdictions: FilePath | None = None
    crs: str | None = None
    max_snap_distance: float = Field(1_000.0, gt=0)

    def load(self) -> District:
        """The district."""
        from ..io import district_from_files, read_roads
        from ..network.convert import from_osm_file

        if self.roads.osm is not None:
            roads = from_osm_file(self.roads.osm)
        else:
            assert self.roads.nodes is not None and self.roads.edges is not None
            roads = read_roads(self.roads.nodes, self.roads.edges, crs=self.crs)
        return district_from_files(
            self.name,
            roads,
            self.stations,
            partners=self.partners,
            villages=self.villages,
            jurisdictions=self.jurisdictions,
            boundary=self.boundary,
            max_snap_distance=self.max_snap_distance,
        )

    def files(self) -> list[Path]:
        """The files whose contents decide the district."""
        layers = [self.stations, self.villages, self.partners, self.boundary, self.jurisdictions]
        return [p for p in layers if p is not None] + self.roads.files()


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


class GridsSection(GridParams):
    """The ``grids:`` section: :class:`~dispatch.plan.GridParams` and the cell
    layer (``demo`` for the demo county's 1,291 village grids, or a file relative
    to the scenario), its ``layer`` and ``crs`` if the file does not say, and
    whether compactness is measured on the district's ``roads``."""

    cells: Literal["demo"] | FilePath
    layer: str | None = None
    crs: str | None = None
    roads: bool = False

    def params(self) -> GridParams:
        """The grid settings alone."""
        return GridParams(**self.model_dump(include=set(GridParams.model_fields)))


class Scenario(Frozen):
    """Everything one planning run needs.

    ``policy`` is the policy under study (the plan's); ``baseline`` the one it is
    compared with (by default the pre-reform OwnStation).
    """

    name: str = "scenario"
    district: DistrictSource = Field(default_factory=DemoDistrict)
    plan: ClusterParams = Field(default_factory=ClusterParams)
    policy: PolicyParams = Field(default_factory=PolicyParams)
    baseline: PolicyParams = Field(default_factory=lambda: PolicyParams(name="own_station"))
    demand: DemandParams = Field(default_factory=DemandParams)
    simulation: SimulationParams = Field(default_factory=lambda: SimulationParams(replications=3))
    grids: GridsSection | None = None

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
        """A stable hash of what decides the results (not the name or file paths)."""
        digest = hashlib.sha256()
        for path in self.district.files():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        content = self.model_dump(mode="json", exclude={"name", "district", "grids"})
        content["district"] = {"source": self.district.source, "files": digest.hexdigest()}
        content["version"] = RESULTS_VERSION
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:20]

    def cluster_plan(self, district: District) -> ClusterPlan | None:
        """The plan the policies need (``None`` when neither needs one)."""
        return cluster(district, self.plan) if self.policy.needs_plan or self.baseline.needs_plan else None

    def grid_plan(self, *, on_progress: OnProgress | None = None) -> GridPlan:
        """The police grids of the ``grids`` section."""
        section = self.grids
        if section is None:
            raise InputError("the scenario has no grids section: add grids: {cells: ..., n_grids: ...}")
        if section.cells == "demo":
            from ..datasets.cells import demo_grid_cells

            cells = read_cells(demo_grid_cells(), crs=section.crs)
        else:
            cells = read_cells(section.cells, crs=section.crs, layer=section.layer)
        roads = self.district.load().roads if section.roads else None
        return police_grids(cells, section.params(), roads=roads, on_progress=on_progress)

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
            demand=self.demand,
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
            demand=self.demand,
            on_progress=on_progress,
        )


class Sweep(Frozen):
    """A base scenario and parameter grids: every combination of the ``grid``
    values (dotted paths into the scenario) is a scenario, each run for the base
    scenario's replications."""

    name: str = "sweep"
    base: Scenario = Field(default_factory=Scenario)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    def scenarios(self) -> list[tuple[dict[str, Any], Scenario]]:
        """Each combination of grid values and its scenario."""
        keys = list(self.grid)
        empty = [k for k in keys if not self.grid[k]]
        if empty:
            raise InputError("grid entries need at least one value", empty)
        combos = itertools.product(*(self.grid[k] for k in keys))
        return [(dict(zip(keys, values)), self.base.with_changes(dict(zip(keys, values)))) for values in combos]


def _yaml_loader() -> Any:
    """A safe YAML loader class that refuses anchors and aliases (no YAML bombs)."""
    try:
        import yaml
    except ImportError as error:
        raise ImportError("YAML files need PyYAML: pip install 'central-dispatch[yaml]'") from error

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in dispatch files; write the values out"
                )
            return super().compose_node(parent, index)

    return Loader


def read_document(path: str | Path) -> dict[str, Any]:
    """A YAML or JSON file as a dict, loaded safely: no code runs, no aliases, at
    most :data:`MAX_FILE_BYTES` bytes."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"{str(path)!r} is {size:,} bytes; scenario files may be at most {MAX_FILE_BYTES:,} bytes")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            document = json.loads(text)
        else:
            import yaml

            document = yaml.load(text, Loader=_yaml_loader())
    except RecursionError:
        raise InputError(f"{str(path)!r} is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{str(path)!r} is not valid JSON or UTF-8: {error}") from None
    except Exception as error:
        if type(error).__module__.startswith("yaml"):
            raise InputError(f"{str(path)!r} is not valid YAML: {error}") from None
        raise
    if not isinstance(document, dict):
        raise InputError(f"{str(path)!r} must hold a mapping of settings, not {type(document).__name__}")
    return document


PATH_FIELDS = ("path", "stations", "villages", "partners", "boundary", "jurisdictions", "nodes", "edges", "osm")
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
        grids = section.get("grids") if isinstance(section, dict) else None
        if isinstance(grids, dict) and isinstance(grids.get("cells"), str) and grids["cells"] != "demo":
            grids["cells"] = str(path.parent / grids["cells"])
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
    """Read and validate a sweep file: ``base`` (a scenario) and ``grid``."""
    sweep: Sweep = _validated(Sweep, Path(path))
    sweep.scenarios()  # every combination must make a valid scenario
    return sweep
