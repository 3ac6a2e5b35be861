"""The dispatcher's promise under random operations, valid and not, checked after
every single one, for every policy, with and without preemption, in a waiting
and in a loss system:

- every call is held by one unit, waiting, lost or done, exactly once, and the
  decisions returned say so;
- no unit holds two calls;
- no call waits (or is lost) while a unit its policy allows is free, nor, with
  preemption, while an allowed unit drives to a less urgent call (an emergency
  unit counting only for the calls it may take: its priorities, within reach,
  on duty since the queue was last served);
- a refused operation changes nothing, the clock included.

One driver runs the operations; a hypothesis state machine (which shrinks a
failure to a short story) and a seeded random walk (a million operations in the
slow test) both drive it.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from dispatch import ClusterParams, DispatchError, District, Incident, cluster
from dispatch.datasets import demo_district, zhuoshui_shuishi
from dispatch.operate import ClusterFirst, Decision, Dispatcher, NearestFree, OwnStation, Reason, TravelTables
from dispatch.operate.units import AVAILABLE, DISPATCHED, ON_SCENE, OUT_OF_SERVICE, RETURNING
from dispatch.plan import ClusterPlan

POLICIES = {
    "own station": OwnStation(),
    "own station, mutual aid": OwnStation(mutual_aid=True),
    "nearest free": NearestFree(),
    "cluster first": ClusterFirst(),
}
PLACES = ["demo", "two stations", "emergency unit"]
SETTINGS = list(itertools.product(PLACES, POLICIES, [False, True], ["infinite", "loss"]))
"""Every district x policy x preemption x queue discipline."""

ACTIONS = ("arrive", "clear", "home", "off", "on")
NEXT_ACTION = {DISPATCHED: "arrive", ON_SCENE: "clear", RETURNING: "home", OUT_OF_SERVICE: "on", AVAILABLE: "off"}
VALID = {"arrive": {DISPATCHED}, "clear": {ON_SCENE}, "home": {RETURNING}, "off": {AVAILABLE, RETURNING}}
VALID["on"] = {OUT_OF_SERVICE}
REFUSALS = (
    "unknown village",
    "time before the clock",
    "time not a number",
    "infinite time",
    "unknown unit",
    "transition at a time not a number",
    "incident being served",
    "incident waiting",
    "incident twice in one batch",
    "location off the roads",
    "cancel an incident not waiting",
)


@functools.cache
def county(name: str) -> tuple[District, ClusterPlan, TravelTables]:
    """A district, its plan and travel tables, built once for every run: the
    demo county (46 units, partners across the border), or the two-station case,
    where every call contends for two units and the mountain pass is a road
    node away from every village and station (with Yantang's emergency unit,
    on duty 08:00-20:00, as a third unit)."""
    if name == "demo":
        district = demo_district()
        plan = cluster(district)
    else:
        district = zhuoshui_shuishi(with_emergency_unit=name == "emergency unit")
        plan = cluster(district, ClusterParams(centrals=("zhuoshui",)))
    tables = TravelTables.for_district(district)
    tables.warm()
    return district, plan, tables


class Driver:
    """Runs operations on one dispatcher and checks every invariant after each.

    Its ledger holds each call's fate as the returned decisions tell it: the unit
    holding it, ``"queued"``, ``"lost"``, ``"done"`` or ``"cancelled"``.
    """

    def __init__(self, place: str, policy: str, preemption: bool, queue: str) -> None:
        district, plan, tables = county(place)
        self.dispatcher = Dispatcher(
            district,
            plan,
            POLICIES[policy],
            preemption=preemption,
            queue=queue,
            start=(19.5 if preemption else 7.5) * 3_600.0,  # the emergency unit's duty ends or starts soon
            tables=tables,  # type: ignore[arg-type]
        )
        self.serviced = self.dispatcher.now
        self.district = district
        self.units = district.unit_ids
        self.villages = district.village_ids
        self.fate: dict[str, str] = {}
        self.held: dict[str, str] = {}  # incident -> unit
        self.waiting: dict[str, int] = {}  # incident -> priority
        self.home: dict[str, int] = {}
        self.target: dict[str, int] = {}
        self.count = itertools.count()
        self.tally: Counter[str] = Counter()
        self._allowed: dict[int, np.ndarray[Any, np.dtype[np.bool_]]] = {}

    # ------------------------------------------------------------------ operations

    def incident(self, place: int, priority: int, wait: float, at_location: bool) -> Incident:
        """A new incident at a village, or at a road node's position."""
        name = f"c{next(self.count)}"
        at = self.dispatcher.now + wait
        if at_location:
            xy = self.district.roads.xy[place % self.district.roads.n_nodes]
            return Incident(id=name, location=(float(xy[0]), float(xy[1])), priority=priority, time=at)
        return Incident(id=name, village=self.villages[place % len(self.villages)], priority=priority, time=at)

    def call(self, place: int, priority: int, wait: float, at_location: bool) -> None:
        incident = self.incident(place, priority, wait, at_location)
        self.expect_new([incident])
        self.settle("call", [self.dispatcher.dispatch(incident)], incident.time)

    def call_many(self, calls: list[tuple[int, int, bool]], wait: float) -> None:
        incidents = [self.incident(place, priority, wait, loc) for place, priority, loc in calls]
        self.expect_new(incidents)
        decisions = self.dispatcher.dispatch_many(incidents)
        assert [d.incident for d in decisions] == [i.id for i in incidents]
        self.settle("call many", decisions, incidents[0].time)
        self.check_precedence(decisions)

    def progress(self, pick: int, action: str | None, wait: float) -> None:
        """Move a unit on (``action`` ``None``: its natural next step), or try a
        transition its status does not allow."""
        dispatcher = self.dispatcher
        u = pick % len(self.units)
        name, status = self.units[u], int(dispatcher.board.status[u])
        action = action or NEXT_ACTION[status]
        method: Callable[[str, float], list[Decision] | None] = {
            "arrive": dispatcher.arrive,
            "clear": dispatcher.clear,
            "home": dispatcher.return_home,
            "off": dispatcher.out_of_service,
            "on": dispatcher.back_in_service,
        }[action]
        at = dispatcher.now + wait
        if status not in VALID[action]:
            self.refused(lambda: method(name, at), f"unit {name!r}")
            return
        if action == "clear":
            incident = dispatcher.board.calls[u]
            assert incident is not None and self.held.pop(incident.id) == name
            self.fate[incident.id] = "done"
        if action in ("clear", "home", "on"):
            self.serviced = at
        self.settle(action, method(name, at) or [], at)

    def advance(self, wait: float) -> None:
        """Move the clock on: a waiting call an emergency unit coming on duty may
        take goes to it."""
        at = self.dispatcher.now + wait
        self.serviced = at
        self.settle("advance", self.dispatcher.advance(at), at)

    def step(self, pick: int, at: float) -> object:
        """Unit ``pick``'s natural next step at ``at``."""
        d, name = self.dispatcher, self.units[pick % len(self.units)]
        action = NEXT_ACTION[int(d.board.status[pick % len(self.units)])]
        return {"arrive": d.arrive, "clear": d.clear, "home": d.return_home, "off": d.out_of_service}.get(
            action, d.back_in_service
        )(name, at)

    def cancel(self, pick: int) -> None:
        waiting = sorted(self.waiting)
        if not waiting:
            return
        incident = waiting[pick % len(waiting)]
        assert self.dispatcher.cancel(incident).id == incident
        del self.waiting[incident]
        self.fate[incident] = "cancelled"
        self.tally["cancelled"] += 1
        self.check()

    def refuse(self, kind: str, pick: int) -> None:
        """An operation the dispatcher must refuse, naming what is wrong."""
        d = self.dispatcher
        later = d.now + 1.0
        village = self.villages[pick % len(self.villages)]
        active = sorted(self.held) if kind == "incident being served" else sorted(self.waiting)
        if kind in ("incident being served", "incident waiting") and not active:
            return
        fresh = Incident(id="fresh", village=village, time=later)
        attempt, named = {
            "unknown village": (lambda: d.dispatch(fresh.replace(village="atlantis")), "atlantis"),
            "time before the clock": (lambda: d.dispatch(fresh, at=d.now - 1.0), "before the dispatcher's clock"),
            "time not a number": (lambda: d.dispatch(fresh, at=math.nan), "time must be"),
            "infinite time": (lambda: d.dispatch_many([fresh], at=math.inf), "time must be"),
            "unknown unit": (lambda: d.arrive("ghost", later), "ghost"),
            "transition at a time not a number": (lambda: self.step(pick, math.nan), "time must be"),
            "incident being served": (lambda: d.dispatch(fresh.replace(id=active[pick % len(active)])), "already"),
            "incident waiting": (lambda: d.dispatch_many([fresh.replace(id=active[pick % len(active)])]), "already"),
            "incident twice in one batch": (lambda: d.dispatch_many([fresh, fresh]), "'fresh'"),
            "location off the roads": (
                lambda: d.dispatch(Incident(id="far", location=(-1e6, -1e6), time=later)),
                "incident 'far'",
            ),
            "cancel an incident not waiting": (lambda: d.cancel("never"), "'never'"),
        }[kind]
        self.refused(attempt, named)

    # ------------------------------------------------------------------ checks

    def refused(self, attempt: Callable[[], object], named: str) -> None:
        """``attempt`` raises an error naming ``named`` and changes nothing."""
        before = snapshot(self.dispatcher)
        with pytest.raises(DispatchError, match=named):
            attempt()
        assert snapshot(self.dispatcher) == before, "a refused operation changed the dispatcher"
        self.tally["refused"] += 1
        self.check()

    def expect_new(self, incidents: list[Incident]) -> None:
        for incident in incidents:
            place, village, self.home[incident.id] = self.district.locate(incident)
            on_road = self.district.village_places[village] if place is None else place
            self.target[incident.id] = int(on_road.nearest_node[0])  # villages and these locations are at nodes

    def settle(self, operation: str, decisions: list[Decision], at: float) -> None:
        """Bring the ledger up to date with ``decisions`` (every call's fate
        changing at most as the dispatcher may change it), then check."""
        assert self.dispatcher.now == pytest.approx(at), "the clock is not at the operation's time"
        self.tally[operation] += 1
        lost_now = []
        # A batch sends free units first, then the calls left may divert units, one sent in
        # the same batch included: the decisions that divert none come first in time.
        in_time = sorted(decisions, key=lambda top: top.preempted is not None)
        for decision in (d for top in in_time for d in top.cascade):
            name = decision.incident
            if decision.preempted is not None:
                assert self.held.pop(decision.preempted) == decision.unit, "diverted from a call it did not hold"
                self.fate[decision.preempted] = "dropped"
                self.tally["preempted"] += 1
            previous = self.fate.get(name)
            assert previous in (None, "queued", "dropped"), f"{name} decided again after {previous}"
            if previous == "queued":
                del self.waiting[name]
            if decision.unit is not None:
                assert decision.reason not in (Reason.QUEUED, Reason.LOST) and math.isfinite(decision.eta)
                self.fate[name] = self.held[name] = decision.unit
                self.tally["sent"] += 1
                self.tally["emergency"] += decision.reason is Reason.EMERGENCY
            elif decision.reason is Reason.QUEUED:
                assert self.dispatcher.discipline == "infinite"
                self.fate[name], self.waiting[name] = "queued", decision.priority
                self.tally["queued"] += 1
            else:
                assert decision.reason is Reason.LOST and self.dispatcher.discipline == "loss"
                self.fate[name] = "lost"
                lost_now.append((name, decision.priority))
                self.tally["lost"] += 1
        assert "dropped" not in (self.fate.get(d.preempted or "") for top in decisions for d in top.cascade)
        self.check(lost_now)

    def allowed(self, home: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Every unit the policy would send to station ``home``'s calls, from the
        policy's own tiers."""
        found = self._allowed.get(home)
        if found is None:
            tiers = self.dispatcher.policy.tiers(home, self.dispatcher.fleet)
            found = self._allowed[home] = np.logical_or.reduce(tiers)
        return found

    def able(self, name: str, priority: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """The units that may take call ``name`` now: any station or partner unit;
        an emergency unit for its priorities, within its reach by road, and on
        duty since before the queue was last served."""
        found = np.ones(len(self.units), dtype=bool)
        now, roads, first = self.dispatcher.now, self.district.roads, len(self.district.units)
        for k, unit in enumerate(self.district.emergency_units):
            base = self.district.village_nodes[self.district.village_index[unit.village]]
            road = float(roads.travel_times([base], [self.target[name]])[0, 0])
            came = math.floor((now - unit.on_duty[0]) / 86_400) > math.floor((self.serviced - unit.on_duty[0]) / 86_400)
            found[first + k] = (
                (unit.priorities is None or priority in unit.priorities)
                and road <= (unit.reach or math.inf)
                and unit.on_duty_at(now)
                and not (came and unit.availability < 1)
            )
        return found

    def check(self, lost_now: list[tuple[str, int]] | None = None) -> None:
        """Every invariant, against the dispatcher's state."""
        board, calls = self.dispatcher.board, self.dispatcher.calls
        holding = {c.id: self.units[u] for u, c in enumerate(board.calls) if c is not None}
        engaged = np.flatnonzero((board.status == DISPATCHED) | (board.status == ON_SCENE))
        assert len(holding) == len(board.calls) - board.calls.count(None) == len(engaged), "two units hold one call"
        assert all(board.calls[u] is not None for u in engaged.tolist()), "a unit at work without a call"
        assert holding == self.held, "the units hold other calls than the decisions said"
        queued = [entry.incident.id for entry in calls._heap]
        assert len(queued) == len(set(queued)) == len(self.waiting) and set(queued) == set(self.waiting)
        unserved = list(itertools.chain(self.waiting.items(), lost_now or ()))
        if not unserved:
            return
        free = (board.status == AVAILABLE) | (board.status == RETURNING)
        urgency = np.array([c.priority if c is not None else 0 for c in board.calls])
        divertible = (board.status == DISPATCHED) & self.dispatcher.preemption
        for name, priority in unserved:
            allowed = self.allowed(self.home[name]) & self.able(name, priority)
            assert not (allowed & free).any(), f"{name} waits while a unit it may take is free"
            assert not (allowed & divertible & (urgency > priority)).any(), f"{name} waits; a less urgent call does not"

    def check_precedence(self, decisions: list[Decision]) -> None:
        """No call of a batch waits for a unit its policy allows that went to a less
        urgent call of the same batch."""
        for waiting in (d for d in decisions if d.unit is None):
            allowed = self.allowed(self.home[waiting.incident]) & self.able(waiting.incident, waiting.priority)
            for sent in (d for d in decisions if d.unit is not None and d.priority > waiting.priority):
                assert not allowed[self.district.unit_index[sent.unit]], f"{sent.incident} jumped {waiting.incident}"


def snapshot(dispatcher: Dispatcher) -> tuple[object, ...]:
    """Every changing part of a dispatcher: its clock, each unit's status, node,
    drive, call, target and home, and the queue. Drives and calls are frozen, so
    the same objects mean the same contents."""
    board, calls = dispatcher.board, dispatcher.calls
    return (
        dispatcher.now,
        board.status.tobytes(),
        tuple(map(id, board.spots)),
        tuple(map(id, board.legs)),
        tuple(map(id, board.calls)),
        tuple(map(id, board.targets)),
        tuple(board.homes),
        tuple(map(id, calls._heap)),
        frozenset(calls._ids),
        repr(calls._order),
        tuple(dispatcher.queue),
        dispatcher.units,
    )


# ---------------------------------------------------------------------- the random walk


def walk(driver: Driver, operations: int, rng: random.Random) -> None:
    """``operations`` random operations; new calls pause while many wait."""
    for _ in range(operations):
        wait = rng.expovariate(1 / 120)
        roll = rng.random()
        busy = len(driver.waiting) > 20
        located = 0.3 if driver.district.roads.n_nodes < 100 else 0.03  # searches on the demo's roads take time
        if roll < 0.03:
            driver.refuse(rng.choice(REFUSALS), rng.randrange(1 << 20))
        elif roll < 0.30 and not busy:
            driver.call(rng.randrange(1 << 20), rng.randint(1, 3), wait, rng.random() < located)
        elif roll < 0.32 and not busy:
            calls = [
                (rng.randrange(1 << 20), rng.randint(1, 3), rng.random() < 3 * located)
                for _ in range(rng.randint(2, 5))
            ]
            driver.call_many(calls, wait)
        elif roll < 0.33:
            driver.cancel(rng.randrange(1 << 20))
        elif roll < 0.34:
            driver.advance(wait)
        else:
            action = rng.choice(ACTIONS) if rng.random() < 0.04 else None
            engaged = np.flatnonzero(driver.dispatcher.board.status != AVAILABLE)
            pick = (
                int(rng.choice(engaged)) if len(engaged) and rng.random() < 0.95 else rng.randrange(len(driver.units))
            )
            driver.progress(pick, action, wait)


def drive(operations: int, seed: int) -> Counter[str]:
    """``operations`` random operations spread over every setting, with every
    invariant checked after each; the outcomes counted."""
    tally: Counter[str] = Counter()
    for k, setting in enumerate(SETTINGS):
        driver = Driver(*setting)
        share = operations // len(SETTINGS) + (k < operations % len(SETTINGS))
        walk(driver, share, random.Random(f"{seed}-{k}"))
        tally += driver.tally
    tally["operations"] = operations
    return tally


def test_random_operations_keep_every_promise_in_every_setting() -> None:
    tally = drive(3_200, seed=1)
    for outcome in (
        "sent",
        "queued",
        "lost",
        "preempted",
        "refused",
        "cancelled",
        "call many",
        "clear",
        "on",
        "advance",
    ):
        assert tally[outcome] > 0, outcome


@pytest.mark.slow
def test_a_million_random_operations_keep_every_promise() -> None:
    start = time.perf_counter()
    tally = drive(1_000_000, seed=2024)
    elapsed = time.perf_counter() - start
    print(f"\n{tally['operations']:,} operations in {elapsed:,.0f} s: {dict(tally.most_common())}")
    assert tally["sent"] > 100_000 and tally["lost"] > 0 and tally["preempted"] > 0 and tally["refused"] > 10_000


# ---------------------------------------------------------------------- the state machine


class DispatcherMachine(RuleBasedStateMachine):
    """The same operations, chosen by hypothesis, which shrinks any failure."""

    @initialize(setting=st.sampled_from(SETTINGS))
    def start(self, setting: tuple[str, str, bool, str]) -> None:
        self.driver = Driver(*setting)

    @rule(place=st.integers(0, 1 << 20), priority=st.integers(1, 3), wait=st.floats(0, 900), loc=st.booleans())
    def call(self, place: int, priority: int, wait: float, loc: bool) -> None:
        self.driver.call(place, priority, wait, loc and place % 8 == 0)

    @rule(
        calls=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 3), st.booleans()), min_size=2, max_size=4),
        wait=st.floats(0, 900),
    )
    def call_many(self, calls: list[tuple[int, int, bool]], wait: float) -> None:
        self.driver.call_many(calls, wait)

    @rule(pick=st.integers(0, 1 << 20), action=st.none() | st.sampled_from(ACTIONS), wait=st.floats(0, 1_800))
    def progress(self, pick: int, action: str | None, wait: float) -> None:
        self.driver.progress(pick, action, wait)

    @rule(pick=st.integers(0, 1 << 20))
    def cancel(self, pick: int) -> None:
        self.driver.cancel(pick)

    @rule(wait=st.floats(0, 7_200))
    def advance(self, wait: float) -> None:
        self.driver.advance(wait)

    @rule(kind=st.sampled_from(REFUSALS), pick=st.integers(0, 1 << 20))
    def refuse(self, kind: str, pick: int) -> None:
        self.driver.refuse(kind, pick)

    @invariant()
    def every_promise_holds(self) -> None:
        if hasattr(self, "driver"):
            self.driver.check()


DispatcherMachine.TestCase.settings = settings(
    max_examples=20, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

test_state_machine_operations_keep_every_promise = DispatcherMachine.TestCase
