"""Why clustering rules cannot hold: checks before solving, and an elastic
re-solve that names the fewest rules that must give."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..district import District
from ..errors import InfeasibleError, listed
from .facility import Assignment, violations
from .params import ClusterParams

__all__ = ["Inputs", "diagnose", "explain_infeasible"]


@dataclass(frozen=True)
class Inputs:
    """What the model is built from, station-indexed."""

    border: NDArray[np.bool_]
    clients: NDArray[np.int64]  # stations to cluster
    sites: NDArray[np.int64]  # stations that may be central
    score: NDArray[np.float64]
    strength: NDArray[np.float64]
    workload: NDArray[np.float64]
    demand_cost: NDArray[np.float64]  # [site, station]: incident-seconds from the site to the station's demand
    link: NDArray[np.float64]  # [site, station]: road seconds
    rate: NDArray[np.float64]  # incidents a year of each station's demand


def diagnose(
    district: District, params: ClusterParams, inputs: Inputs, problem: Assignment, p_range: tuple[int, int]
) -> None:
    """Raise :class:`InfeasibleError` for rules that provably cannot hold."""
    stations = district.stations
    names = [s.id for s in stations]
    sites = inputs.sites
    problems = []
    can_join = np.zeros(len(stations), dtype=bool)
    can_join[inputs.clients[problem.client]] = True
    can_lead = np.zeros(len(stations), dtype=bool)
    if params.min_bases == 0:
        can_lead[sites] = True
    else:
        can_lead[sites[np.unique(problem.site)]] = True
    for i in inputs.clients[~can_join[inputs.clients] & ~can_lead[inputs.clients]]:
        problems.append(f"station {names[i]!r}: {_why_alone(params, inputs, i, names)}")
    if problems:
        raise InfeasibleError("stations that can neither join a central nor lead one", listed(problems))
    n_clients = len(inputs.clients)
    low, high = p_range
    most = high * (1 + params.max_bases)
    least = low * (1 + params.min_bases)
    if most < n_clients:
        raise InfeasibleError(
            f"{high} central(s) with at most {params.max_bases} bases each cover at most {most} of the "
            f"{n_clients} stations to cluster; allow at least "
            f"{math.ceil(n_clients / (1 + params.max_bases))} "
            "centrals or raise max_bases"
        )
    if least > n_clients:
        raise InfeasibleError(
            f"{low} central(s) with at least {params.min_bases} base(s) each need {least} stations, but only "
            f"{n_clients} are to be clustered; allow fewer centrals or lower min_bases"
        )
    if low > len(sites):
        raise InfeasibleError(f"{low} centrals are needed but only {len(sites)} stations may be central")
    must_lead = inputs.clients[~can_join[inputs.clients]]
    if len(must_lead) > high:
        raise InfeasibleError(
            f"{len(must_lead)} stations must be centrals (none can be a base) but at most {high} centrals are allowed",
            listed([names[i] for i in must_lead]),
        )


def explain_infeasible(
    district: District, params: ClusterParams, inputs: Inputs, problem: Assignment
) -> InfeasibleError:
    """Why the rules cannot all hold, from the fewest rules that must give."""
    names = [s.id for s in district.stations]
    given = violations(problem, params.options, default_solver="highs")
    centrals_of: dict[int, list[str]] = {}
    bases_of: dict[int, list[str]] = {}
    for client, site in zip(problem.client.tolist(), problem.site.tolist()):
        centrals_of.setdefault(client, []).append(names[inputs.sites[site]])
        bases_of.setdefault(site, []).append(names[inputs.clients[client]])
    problems = [
        f"station {names[inputs.clients[i]]!r} cannot be placed; it could join only "
        f"{centrals_of.get(int(i), []) or 'no central'}"
        for i in given.unplaced
    ]
    problems += [
        f"central {names[inputs.sites[k]]!r} cannot get {params.min_bases} base(s) of its own; its possible "
        f"bases {bases_of.get(int(k), [])} are all needed by other centrals"
        for k in given.short
    ]
    problems += [
        f"the cluster of {names[inputs.sites[k]]!r} cannot keep its strength per workload within "
        f"{params.balance.tolerance:.0%} of the district's"
        for k in given.unbalanced
    ]
    if not problems:
        problems = ["the number of centrals, the bases per central and the pairing rules conflict as a whole"]
    return InfeasibleError(
        "the clustering rules cannot all hold (max_link_time, strong_with_weak, adjacent_only, bases per "
        "central, balance); relax one of them",
        problems,
    )


def _why_alone(params: ClusterParams, inputs: Inputs, i: int, names: list[str]) -> str:
    """Why station ``i`` has no partner, and the nearest one it could have."""
    sites = inputs.sites
    others = sites[sites != i]
    if not len(others):
        return "no other station may be central"
    k = int(np.argmin(inputs.link[np.searchsorted(sites, others), i]))
    nearest = others[k]
    time_to = inputs.link[np.searchsorted(sites, nearest), i]
    if time_to > params.max_link_time:
        return (
            f"no possible central within max_link_time={params.max_link_time:,.0f} s (nearest: "
            f"{names[nearest]!r} at {time_to:,.0f} s); raise max_link_time or make it a border station"
        )
    return (
        f"every possible central within {params.max_link_time:,.0f} s is weaker (strength "
        f"{inputs.strength[i]:g}, nearest {names[nearest]!r} has {inputs.strength[nearest]:g}) "
        "or not adjacent, "
        "and it cannot lead any; relax strong_with_weak or adjacent_only"
    )
