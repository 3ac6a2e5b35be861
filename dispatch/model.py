"""District entities: stations, units, villages, partners and incidents.

Every entity is a frozen pydantic model, validated when it is made. Ids are strings
chosen by the user (``"zhuoshui"``); coordinates are ``(x, y)`` in the road
network's CRS, preferably a projected one in metres. A variant is made with
:meth:`Frozen.replace`, which validates again.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import Self

from .errors import InputError, listed

__all__ = [
    "DAY",
    "EmergencyUnit",
    "Frozen",
    "Id",
    "Incident",
    "Indicators",
    "Partner",
    "Point",
    "Queue",
    "Station",
    "StationKind",
    "Unit",
    "UnitStatus",
    "Village",
    "in_window",
]


def _finite_point(value: tuple[float, float]) -> tuple[float, float]:
    if not all(math.isfinite(c) for c in value):
        raise ValueError(f"coordinates must be finite numbers, got {value}")
    return value


Point = Annotated[tuple[float, float], AfterValidator(_finite_point)]
"""An ``(x, y)`` location in the road network's CRS."""

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A user-chosen identifier: a non-empty string."""

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

Queue = Literal["infinite", "loss"]
"""What happens to a call no unit may take: it waits (``"infinite"``) or is lost
(``"loss"``); the dispatcher, the simulator and the hypercube model take the same
values."""


def describe_validation_error(owner: str, error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[str]:
    """Turn a pydantic error into one readable line per problem (the first
    :data:`~dispatch.errors.MAX_LISTED` of them), nested models' problems under
    their full field path."""
    lines = []
    for e in error.errors():
        loc = prefix + tuple(e["loc"])
        inner = getattr((e.get("ctx") or {}).get("error"), "validation", None)
        if isinstance(inner, ValidationError):  # a nested model's own check
            lines += describe_validation_error(owner, inner, loc)
            continue
        if e["type"] == STRAY_BOOL:  # raised for the model, about one of its fields
            loc += (e["ctx"]["field"],)
            e["input"] = e["ctx"]["value"]
        field = ".".join(str(p) for p in loc) or "(model)"
        shown = repr(e["input"])
        got = "" if e["type"] == "missing" else f" (got {shown if len(shown) <= 80 else shown[:77] + '...'})"
        message = e["msg"].removeprefix("Value error, ")
        lines.append(f"{owner}: field {field!r}: {message}{got}")
    return lines if prefix else listed(lines)


STRAY_BOOL = "stray_bool"
"""The pydantic error type of a boolean given where a field takes none."""


def _holds_bool(value: Any) -> bool:
    """Whether ``value`` is a boolean, or a list, tuple or dict that holds one."""
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, bool) or (isinstance(value, (list, tuple)) and any(isinstance(v, bool) for v in value))


def _takes_bool(annotation: Any) -> bool:
    """Whether a field annotated ``annotation`` accepts ``True`` and ``False``
    (a model field leaves the question to the model)."""
    if annotation is bool or annotation is Any or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return True
    return any(_takes_bool(a) for a in get_args(annotation))


class Frozen(BaseModel):
    """Base of every model: frozen, no unknown fields, errors as :class:`InputError`.

    ``true`` and ``false`` are refused wherever a field does not take booleans
    (pydantic would read them as 1 and 0: ``officers: true`` is one officer).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    @model_validator(mode="before")
    @classmethod
    def _no_stray_bools(cls, data: Any) -> Any:
        if isinstance(data, dict):
            fields = cls.model_fields
            for key, value in data.items():
                if _holds_bool(value) and key in fields and not _takes_bool(fields[key].annotation):
                    raise PydanticCustomError(
                        STRAY_BOOL,
                        "true/false is not allowed here: give a number or text",
                        {"field": key, "value": value},
                    )
        return data

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            ident = data.get("id")
            owner = type(self).__name__ + (f" {ident!r}" if ident is not None else "")
            failure = InputError(f"invalid {owner}", describe_validation_error(owner, error))
            failure.validation = error  # lets an enclosing model name the full field path
            raise failure from None

    def replace(self, **changes: Any) -> Self:
        """Return a copy with ``changes`` applied, validated like a new model."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**fields, **changes})


class StationKind(str, Enum):
    """The role of a station in the central-station structure."""

    CENTRAL = "central"
    BASE = "base"
    BORDER = "border"
    UNASSIGNED = "unassigned"


class UnitStatus(str, Enum):
    """Where a unit is in its cycle: available -> dispatched (en route) -> on scene
    -> returning -> available; or out of service."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    ON_SCENE = "on scene"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out of service"


class Indicators(Frozen):
    """What a station's area carries: people, incidents, disputes and cases a year.

    ``other`` holds further named indicators; :meth:`value` reads any of them by
    name, so a central-station score can weigh indicators this model does not name.
    """

    population: NonNegative = 0.0
    incidents_per_year: NonNegative = 0.0
    disputes: NonNegative = 0.0
    cases: NonNegative = 0.0
    other: dict[str, NonNegative] = Field(default_factory=dict)

    def value(self, name: str) -> float:
        """The indicator called ``name``; raises :class:`InputError` if unknown."""
        if name in type(self).model_fields and name != "other":
            return float(getattr(self, name))
        if name in self.other:
            return self.other[name]
        known = [f for f in type(self).model_fields if f != "other"] + sorted(self.other)
        raise InputError(f"unknown indicator {name!r}; known: {', '.join(known)}")


class Station(Frozen):
    """A township police station."""

    id: Id
    name: str = ""
    kind: StationKind = StationKind.UNASSIGNED
    location: Point
    officers: int = Field(ge=0)
    indicators: Indicators = Field(default_factory=Indicators)


class Unit(Frozen):
    """A response unit (a patrol car and its crew) based at a station or partner."""

    id: Id
    station: Id
    name: str = ""


DAY = 86_400.0
"""Seconds in a day: the period of an emergency unit's duty hours."""


def in_window(start: NDArray[np.float64], end: NDArray[np.float64], time: float) -> NDArray[np.bool_]:
    """Whether daily windows from ``start`` to ``end`` (seconds after midnight;
    past midnight when ``start > end``) hold ``time`` seconds."""
    clock = time % DAY
    inside = np.where(start < end, (start <= clock) & (clock < end), (clock >= start) | (clock < end))
    return np.asarray(inside, dtype=np.bool_)


class EmergencyUnit(Frozen):
    """A minimal emergency unit (最小应急处置单元): an officer with village cadres,
    grid workers and volunteers, based at a village rather than a station.

    It belongs to the station whose jurisdiction holds its village (for the
    ``OwnStation`` and ``ClusterFirst`` policies it is one of that station's
    units), leaves after its own ``turnout`` seconds, and takes only the calls of
    ``priorities`` (``None``: every priority) within ``reach`` seconds by road of
    its village (``None``: any the policy allows).

    It is on duty every day from ``on_duty[0]`` to ``on_duty[1]`` seconds after
    midnight (a window past midnight when the start is the later one; the default
    is the whole day). Off duty it takes no new call; a call it is serving when its
    duty ends it finishes.
    """

    id: Id
    village: Id
    name: str = ""
    turnout: NonNegative = 60.0
    on_duty: tuple[NonNegative, NonNegative] = (0.0, DAY)
    priorities: tuple[Annotated[int, Field(ge=1)], ...] | None = None
    reach: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None

    @field_validator("on_duty")
    @classmethod
    def _a_daily_window(cls, value: tuple[float, float]) -> tuple[float, float]:
        start, end = value
        if start >= DAY or end > DAY or start == end:
            raise ValueError(
                f"give (start, end) seconds after midnight, 0 <= start < {DAY:g}, 0 <= end <= {DAY:g}, start != end"
            )
        return value

    @field_validator("priorities")
    @classmethod
    def _each_once(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None and (not value or len(set(value)) < len(value)):
            raise ValueError("list each priority it may take once (or leave it out for every priority)")
        return value

    @property
    def availability(self) -> float:
        """The share of the day it is on duty."""
        start, end = self.on_duty
        return ((end - start) % DAY or DAY) / DAY

    def on_duty_at(self, time: float) -> bool:
        """Whether it is on duty at ``time`` seconds (day 0 starts at midnight)."""
        return bool(in_window(np.array(self.on_duty[0]), np.array(self.on_duty[1]), time))


class Village(Frozen):
    """A demand point: where incidents arise.

    ``station`` is the station whose jurisdiction holds the village; when omitted,
    the district assigns the station nearest by road.
    """

    id: Id
    name: str = ""
    location: Point
    population: int = Field(0, ge=0)
    incident_rate: NonNegative = Field(0.0, description="incidents per year")
    station: Id | None = None


class Partner(Frozen):
    """A station across the county boundary with a mutual-aid agreement.

    ``stations`` are the border stations on this side that it has agreements with.
    """

    id: Id
    name: str = ""
    location: Point
    stations: tuple[Id, ...] = Field(min_length=1)


class Incident(Frozen):
    """A call for service at ``time`` seconds, at a village or a location.

    ``priority`` 1 is the most urgent; larger numbers are less urgent.
    """

    id: Id
    time: NonNegative = 0.0
    village: Id | None = None
    location: Point | None = None
    priority: int = Field(2, ge=1)

    @model_validator(mode="after")
    def _has_a_place(self) -> Self:
        if self.village is None and self.location is None:
            raise ValueError("give the incident a village or a location")
        return self
