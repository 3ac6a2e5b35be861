"""Minimal emergency units in the dispatcher: the calls they may take (priority,
duty hours, reach), their own turnout, the station they belong to, and the calls
that wait for them."""

from __future__ import annotations

import pytest

from dispatch import ClusterParams, District, Incident, UnitStatus, cluster
from dispatch.datasets import zhuoshui_shuishi
from dispatch.operate import Dispatcher, Reason
from dispatch.operate.policies import ClusterFirst, NearestFree, OwnStation
from dispatch.plan import ClusterPlan

HOUR = 3_600.0


@pytest.fixture(scope="module")
def case() -> tuple[District, ClusterPlan]:
    """Zhuoshui and Shuishi with Yantang's emergency unit (on duty 08:00-20:00,
    out in 180 s, priorities 2 and 3, 15 minutes' reach)."""
    district = zhuoshui_shuishi(with_emergency_unit=True)
    return district, cluster(district, ClusterParams(centrals=("zhuoshui",)))


def yantang(name: str, at: float, priority: int = 2) -> Incident:
    return Incident(id=name, village="yantang", time=at, priority=priority)


@pytest.mark.parametrize("policy", [OwnStation(), ClusterFirst(), NearestFree()])
def test_the_village_unit_takes_its_villages_call_in_its_own_turnout(
    case: tuple[District, ClusterPlan], policy: OwnStation
) -> None:
    district, plan = case
    decision = Dispatcher(district, plan, policy, turnout=60.0).dispatch(yantang("c1", 10 * HOUR))
    assert decision.unit == "yantang-eu" and decision.reason is Reason.EMERGENCY
    assert decision.eta == 180.0  # its own turnout, and it is at the village
    assert "the emergency unit of village yantang (zhuoshui)" in decision.explanation


@pytest.mark.parametrize(
    ("call", "sent"),
    [
        (yantang("urgent", 10 * HOUR, priority=1), "shuishi-1"),  # not a priority it takes
        (yantang("night", 22 * HOUR), "shuishi-1"),  # off duty at 22:00
        (yantang("next morning", 24 * HOUR + 9 * HOUR), "yantang-eu"),  # on duty again the next day
    ],
)
def test_the_village_unit_leaves_the_calls_it_may_not_take(
    case: tuple[District, ClusterPlan], call: Incident, sent: str
) -> None:
    district, plan = case
    assert Dispatcher(district, plan, ClusterFirst()).dispatch(call).unit == sent


def test_a_call_beyond_its_reach_waits_for_a_station_unit(case: tuple[District, ClusterPlan]) -> None:
    """Zhuoshui town is 2,120 s by road from Yantang, beyond its 900 s reach."""
    district, plan = case
    dispatcher = Dispatcher(district, plan, NearestFree())
    for k, unit in enumerate(("shuishi-1", "zhuoshui-1")):  # urgent calls, not for the village unit
        busy = dispatcher.dispatch(Incident(id=f"b{k}", village="shuishi-town", time=10 * HOUR, priority=1))
        assert busy.unit == unit
    decision = dispatcher.dispatch(Incident(id="town", village="zhuoshui-town", time=10 * HOUR))
    assert decision.reason is Reason.QUEUED and dispatcher.unit("yantang-eu").status is UnitStatus.AVAILABLE


def test_it_belongs_to_its_villages_station(case: tuple[District, ClusterPlan]) -> None:
    """Under OwnStation, Shuishi's calls never get Zhuoshui's village unit, though
    Shuishi town is within its reach."""
    district, plan = case
    dispatcher = Dispatcher(district, plan, OwnStation())
    assert dispatcher.unit("yantang-eu").post == "zhuoshui"
    dispatcher.dispatch(Incident(id="first", village="shuishi-town", time=10 * HOUR))
    assert dispatcher.dispatch(Incident(id="second", village="shuishi-town", time=10 * HOUR)).unit is None


def test_a_call_waiting_at_dawn_goes_to_the_unit_coming_on_duty(case: tuple[District, ClusterPlan]) -> None:
    district, plan = case
    dispatcher = Dispatcher(district, plan, OwnStation())
    assert dispatcher.dispatch(Incident(id="town", village="zhuoshui-town", time=7 * HOUR)).unit == "zhuoshui-1"
    assert dispatcher.dispatch(yantang("dawn", 7.5 * HOUR)).reason is Reason.QUEUED
    assert dispatcher.advance(7.9 * HOUR) == []  # still off duty
    (sent,) = dispatcher.advance(8 * HOUR)
    assert (sent.incident, sent.unit, sent.time) == ("dawn", "yantang-eu", 8 * HOUR)


def test_several_calls_at_once_give_the_village_unit_only_what_it_may_take(
    case: tuple[District, ClusterPlan],
) -> None:
    district, plan = case
    dispatcher = Dispatcher(district, plan, NearestFree())
    urgent, routine = yantang("urgent", 10 * HOUR, priority=1), yantang("routine", 10 * HOUR, priority=3)
    decisions = dispatcher.dispatch_many([urgent, routine])
    assert [d.unit for d in decisions] == ["shuishi-1", "yantang-eu"]


def test_an_urgent_call_never_diverts_it(case: tuple[District, ClusterPlan]) -> None:
    """With preemption, an urgent call may divert a unit on its way to a routine
    one, but not the village unit, which may not take it."""
    district, plan = case
    dispatcher = Dispatcher(district, plan, OwnStation(), preemption=True)
    assert dispatcher.dispatch(yantang("routine", 10 * HOUR, priority=3)).unit == "yantang-eu"
    dispatcher.dispatch(Incident(id="town", village="zhuoshui-town", time=10 * HOUR, priority=3))
    decision = dispatcher.dispatch(yantang("urgent", 10 * HOUR, priority=1))
    assert decision.unit == "zhuoshui-1" and decision.preempted == "town"


def test_a_batch_may_divert_the_unit_it_just_sent(case: tuple[District, ClusterPlan]) -> None:
    """An urgent call no free unit may take diverts Shuishi's unit from a priority-2
    call, which then takes the village unit sent a moment before, in the same
    batch, to a routine call: the routine call's own decision says it was sent,
    the urgent one's cascade that it was then diverted and lost."""
    district, plan = case
    dispatcher = Dispatcher(district, plan, NearestFree(), preemption=True, queue="loss")
    assert dispatcher.dispatch(Incident(id="first", village="zhuoshui-town", time=10 * HOUR, priority=1)).unit == (
        "zhuoshui-1"
    )
    second = Incident(id="second", village="shuishi-town", time=10 * HOUR, priority=2)
    assert dispatcher.dispatch(second).unit == "shuishi-1"
    urgent, routine = yantang("urgent", 10 * HOUR, priority=1), yantang("routine", 10 * HOUR, priority=3)
    decisions = dispatcher.dispatch_many([urgent, routine])
    assert decisions[1].unit == "yantang-eu" and decisions[1].preempted is None
    cascade = decisions[0].cascade
    assert [(d.incident, d.unit, d.preempted) for d in cascade] == [
        ("urgent", "shuishi-1", "second"),
        ("second", "yantang-eu", "routine"),
        ("routine", None, None),
    ]
    assert cascade[-1].reason is Reason.LOST
    held = dispatcher.board.calls[dispatcher.unit_ids.index("yantang-eu")]
    assert held is not None and held.id == "second"
