"""Bad settings: every ``...Params`` refuses, when it is made, a value that would
later crash a solver or a simulation, naming the field."""

from __future__ import annotations

import math

import pytest

from dispatch import (
    BalanceParams,
    BorderParams,
    ClusterParams,
    DemandParams,
    InputError,
    ScoreParams,
    ServiceParams,
    SimulationParams,
    SolveParams,
    StrengthParams,
)
from dispatch.experiment.scenario import PolicyParams

from .framework import Bad, Kit, cases, check

nan, inf = math.nan, math.inf
FLAT = [1.0] * 24


CASES = [
    # SolveParams
    Bad(lambda k: SolveParams(time_limit=inf), InputError, "field 'time_limit'"),  # overflows a timedelta
    Bad(lambda k: SolveParams(time_limit=1e300), InputError, "field 'time_limit'"),  # overflows a timedelta
    Bad(lambda k: SolveParams(time_limit=nan), InputError, "field 'time_limit'"),  # NaN seconds
    Bad(lambda k: SolveParams(time_limit=0), InputError, "field 'time_limit'"),  # no time at all
    Bad(lambda k: SolveParams(time_limit=-1), InputError, "field 'time_limit'"),  # negative time
    Bad(lambda k: SolveParams(time_limit=True), InputError, "field 'time_limit'"),  # a boolean for seconds
    Bad(lambda k: SolveParams(seed=2**31), InputError, "field 'seed'"),  # too big for the solvers' 32-bit seeds
    Bad(lambda k: SolveParams(seed=2**64), InputError, "field 'seed'"),  # far too big
    Bad(lambda k: SolveParams(seed=-1), InputError, "field 'seed'"),  # negative seed
    Bad(lambda k: SolveParams(seed=1.5), InputError, "field 'seed'"),  # fractional seed
    Bad(lambda k: SolveParams(seed=False), InputError, "field 'seed'"),  # a boolean seed
    Bad(lambda k: SolveParams(relative_gap=1), InputError, "field 'relative_gap'"),  # a 100 % gap proves nothing
    Bad(lambda k: SolveParams(relative_gap=-0.1), InputError, "field 'relative_gap'"),  # negative gap
    Bad(lambda k: SolveParams(relative_gap=nan), InputError, "field 'relative_gap'"),  # NaN gap
    Bad(lambda k: SolveParams(solver="gurobi"), InputError, "field 'solver'"),  # a solver not offered
    Bad(lambda k: SolveParams(solver="CP-SAT"), InputError, "field 'solver'"),  # wrong case
    Bad(lambda k: SolveParams(threads=4), InputError, "field 'threads'"),  # an option that does not exist
    Bad(lambda k: SolveParams().replace(seed=2**40), InputError, "field 'seed'"),  # replace validates too
    # ClusterParams
    Bad(lambda k: ClusterParams(min_bases=3, max_bases=2), InputError, "min_bases (3) exceeds max_bases (2)"),  # order
    Bad(lambda k: ClusterParams(min_bases=-1), InputError, "field 'min_bases'"),  # negative bases
    Bad(lambda k: ClusterParams(max_bases=True), InputError, "field 'max_bases'"),  # boolean bases
    Bad(lambda k: ClusterParams(max_bases=1.5), InputError, "field 'max_bases'"),  # fractional bases
    Bad(lambda k: ClusterParams(max_link_time=0), InputError, "field 'max_link_time'"),  # no link possible
    Bad(lambda k: ClusterParams(max_link_time=-60), InputError, "field 'max_link_time'"),  # negative seconds
    Bad(lambda k: ClusterParams(max_link_time=nan), InputError, "field 'max_link_time'"),  # NaN seconds
    Bad(lambda k: ClusterParams(n_centrals=0), InputError, "n_centrals"),  # no centrals
    Bad(lambda k: ClusterParams(n_centrals=(5, 3)), InputError, "n_centrals"),  # low above high
    Bad(lambda k: ClusterParams(n_centrals=(0, 3)), InputError, "n_centrals"),  # a range from zero
    Bad(lambda k: ClusterParams(n_centrals=True), InputError, "field 'n_centrals'"),  # boolean count
    Bad(lambda k: ClusterParams(n_centrals=(1, 2, 3)), InputError, "n_centrals"),  # three numbers for a range
    Bad(lambda k: ClusterParams(centrals=("a",), n_centrals=1), InputError, "not both"),  # two ways at once
    Bad(lambda k: ClusterParams(candidates=0), InputError, "field 'candidates'"),  # no candidates
    Bad(lambda k: ClusterParams(candidates=True), InputError, "field 'candidates'"),  # boolean candidates
    Bad(lambda k: ClusterParams(centrals="zhuoshui"), InputError, "field 'centrals'"),  # text, not a list
    Bad(lambda k: ClusterParams(adjacent_only="perhaps"), InputError, "field 'adjacent_only'"),  # text for a switch
    Bad(lambda k: ClusterParams(options={"seed": 2**31}), InputError, "options.seed"),  # nested solver seed
    Bad(lambda k: ClusterParams(options={"time_limit": inf}), InputError, "options.time_limit"),  # nested limit
    Bad(lambda k: ClusterParams(workload_indicator=3), InputError, "field 'workload_indicator'"),  # number for a name
    Bad(lambda k: ClusterParams(maxbases=2), InputError, "field 'maxbases'"),  # misspelt field
    # ScoreParams, StrengthParams, BalanceParams, BorderParams
    Bad(lambda k: ScoreParams(weights={"population": nan}), InputError, "weights.population"),  # NaN weight
    Bad(lambda k: ScoreParams(weights={"population": inf}), InputError, "weights.population"),  # infinite weight
    Bad(lambda k: ScoreParams(weights={"cases": 1e300}), InputError, "weights.cases"),  # overflowing weight
    Bad(lambda k: ScoreParams(weights={"cases": -1.0}), InputError, "weights.cases"),  # negative weight
    Bad(lambda k: ScoreParams(weights={"cases": True}), InputError, "weights"),  # boolean weight
    Bad(lambda k: ScoreParams(weights=[0.5, 0.5]), InputError, "field 'weights'"),  # a list, not names
    Bad(lambda k: ClusterParams(score={"weights": {"disputes": nan}}), InputError, "score.weights.disputes"),  # nested
    Bad(lambda k: StrengthParams(officers=inf), InputError, "field 'officers'"),  # infinite weight
    Bad(lambda k: StrengthParams(units=1e300), InputError, "field 'units'"),  # overflowing weight
    Bad(lambda k: StrengthParams(units=-2.0), InputError, "field 'units'"),  # negative weight
    Bad(lambda k: StrengthParams(officers=nan), InputError, "field 'officers'"),  # NaN weight
    Bad(lambda k: BalanceParams(weight=1e300), InputError, "field 'weight'"),  # breaks the solver's scaling
    Bad(lambda k: BalanceParams(weight=inf), InputError, "field 'weight'"),  # infinite objective coefficient
    Bad(lambda k: BalanceParams(tolerance=inf), InputError, "field 'tolerance'"),  # infinite row coefficient
    Bad(lambda k: BalanceParams(tolerance=-0.1), InputError, "field 'tolerance'"),  # negative tolerance
    Bad(lambda k: BalanceParams(mode="fair"), InputError, "field 'mode'"),  # a mode not offered
    Bad(lambda k: ClusterParams(balance={"weight": nan}), InputError, "balance.weight"),  # nested NaN weight
    Bad(lambda k: BorderParams(distance=-1.0), InputError, "field 'distance'"),  # negative distance
    Bad(lambda k: BorderParams(distance=inf), InputError, "field 'distance'"),  # infinite distance
    Bad(lambda k: BorderParams(join="maybe"), InputError, "field 'join'"),  # text for a switch
    # ServiceParams and DemandParams
    Bad(lambda k: ServiceParams(mean=inf), InputError, "field 'mean'"),  # infinite service time
    Bad(lambda k: ServiceParams(mean=nan), InputError, "field 'mean'"),  # NaN service time
    Bad(lambda k: ServiceParams(mean=0), InputError, "field 'mean'"),  # no service time
    Bad(lambda k: ServiceParams(mean=1e12), InputError, "field 'mean'"),  # thousands of years on scene
    Bad(lambda k: ServiceParams(sigma=0), InputError, "field 'sigma'"),  # no spread
    Bad(lambda k: ServiceParams(sigma=100.0), InputError, "field 'sigma'"),  # draws that overflow
    Bad(lambda k: ServiceParams(kind="gamma"), InputError, "field 'kind'"),  # a kind not offered
    Bad(lambda k: ServiceParams(kind="empirical"), InputError, "needs samples"),  # empirical without samples
    Bad(lambda k: ServiceParams(kind="empirical", samples=(60.0, nan)), InputError, "samples"),  # a NaN sample
    Bad(lambda k: ServiceParams(kind="empirical", samples=(60.0, -5.0)), InputError, "samples"),  # negative sample
    Bad(lambda k: ServiceParams(kind="empirical", samples=(inf,)), InputError, "samples"),  # infinite sample
    Bad(lambda k: DemandParams(scale=inf), InputError, "field 'scale'"),  # infinitely many calls
    Bad(lambda k: DemandParams(scale=nan), InputError, "field 'scale'"),  # NaN scale
    Bad(lambda k: DemandParams(scale=0), InputError, "field 'scale'"),  # no calls at all
    Bad(lambda k: DemandParams(scale=-1.0), InputError, "field 'scale'"),  # negative demand
    Bad(lambda k: DemandParams(profile=[nan] * 24), InputError, "profile.0"),  # NaN hourly weights
    Bad(lambda k: DemandParams(profile=[*FLAT[:23], inf]), InputError, "profile.23"),  # an infinite hour
    Bad(lambda k: DemandParams(profile=[*FLAT[:23], -1.0]), InputError, "profile.23"),  # a negative hour
    Bad(lambda k: DemandParams(profile=FLAT[:12]), InputError, "24 hourly weights"),  # half a day
    Bad(lambda k: DemandParams(profile=[0.0] * 24), InputError, "not all zero"),  # no calls at any hour
    Bad(lambda k: DemandParams(priorities={1: 0.5}), InputError, "sum to 1"),  # probabilities short of 1
    Bad(lambda k: DemandParams(priorities={0: 1.0}), InputError, "priorities"),  # priority 0
    Bad(lambda k: DemandParams(priorities={1: 1.5, 2: -0.5}), InputError, "priorities"),  # negative probability
    Bad(lambda k: DemandParams(priorities={1: nan}), InputError, "sum to 1"),  # NaN probability
    Bad(lambda k: DemandParams(priorities={}), InputError, "priorities"),  # no priorities
    Bad(lambda k: DemandParams(service={"mean": inf}), InputError, "service.mean"),  # nested infinite mean
    Bad(lambda k: DemandParams(scale=1e30).incidents(k.tiny, 86_400.0, 0), InputError, "demand scale"),  # runaway
    Bad(lambda k: DemandParams().incidents(k.tiny, inf, 0), InputError, "horizon"),  # an endless run
    Bad(lambda k: DemandParams().incidents(k.tiny, -1.0, 0), InputError, "horizon"),  # a negative run
    # SimulationParams and PolicyParams
    Bad(lambda k: SimulationParams(horizon=inf), InputError, "field 'horizon'"),  # an endless run
    Bad(lambda k: SimulationParams(horizon=0), InputError, "field 'horizon'"),  # no time at all
    Bad(lambda k: SimulationParams(horizon=11 * 365 * 86_400.0), InputError, "field 'horizon'"),  # over ten years
    Bad(lambda k: SimulationParams(horizon_days=-1), InputError, "horizon_days"),  # negative days
    Bad(lambda k: SimulationParams(horizon_days=True), InputError, "horizon_days"),  # boolean days
    Bad(lambda k: SimulationParams(horizon_days=nan), InputError, "horizon_days"),  # NaN days
    Bad(lambda k: SimulationParams(horizon_days=5, horizon=60.0), InputError, "not both"),  # two horizons
    Bad(lambda k: SimulationParams(replications=0), InputError, "field 'replications'"),  # no runs
    Bad(lambda k: SimulationParams(replications=10**6), InputError, "field 'replications'"),  # a million runs
    Bad(lambda k: SimulationParams(replications=True), InputError, "field 'replications'"),  # boolean runs
    Bad(lambda k: SimulationParams(seed=-1), InputError, "field 'seed'"),  # negative seed
    Bad(lambda k: SimulationParams(turnout=-1.0), InputError, "field 'turnout'"),  # negative turnout
    Bad(lambda k: SimulationParams(turnout=inf), InputError, "field 'turnout'"),  # units never leave
    Bad(lambda k: SimulationParams(queue="infinte"), InputError, "field 'queue'"),  # misspelt queue
    Bad(lambda k: SimulationParams(confidence=1.0), InputError, "field 'confidence'"),  # certain intervals
    Bad(lambda k: SimulationParams(confidence=0), InputError, "field 'confidence'"),  # no confidence
    Bad(lambda k: SimulationParams(preemption="sometimes"), InputError, "field 'preemption'"),  # text for a switch
    Bad(lambda k: PolicyParams(name="closest"), InputError, "field 'name'"),  # a policy not offered
    Bad(lambda k: PolicyParams(mutual_aid="sometimes"), InputError, "field 'mutual_aid'"),  # text for a switch
]


@pytest.mark.parametrize("case", cases(CASES))
def test_bad_settings_are_refused_with_the_field_named(case: Bad, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    check(case, kit, capsys)
