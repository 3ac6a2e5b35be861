"""The reported Yantang call, before and after the central-station reform.

Covers: a cluster plan with a given central, the Dispatcher, the OwnStation
(pre-reform) and ClusterFirst (central-station) policies with their reasons, and
a minimal emergency unit (最小应急处置单元) at Yantang.

Scenario: Zhuoshui station's only unit is busy on a call in Zhuoshui town when a
call comes in from Yantang village, in Zhuoshui's jurisdiction. By road, Zhuoshui
-> Yantang takes over 30 minutes, Shuishi -> Yantang about 10. Before the reform
the call waits for Zhuoshui's unit; under the central-station rule (Zhuoshui
coordinates Shuishi) Shuishi's free unit goes. Then Yantang gets its own
emergency unit, on duty 08:00-20:00 for priority 2 and 3 calls: the same call
by day goes to it even before the reform; by night, or an urgent one, does not.
"""

from dispatch import ClusterParams, ClusterPlan, Incident, cluster
from dispatch.datasets import zhuoshui_shuishi
from dispatch.operate import Dispatcher
from dispatch.operate.policies import ClusterFirst, OwnStation

TURNOUT = 60.0  # seconds to leave the station
TOWN_CALL = Incident(id="town-call", village="zhuoshui-town", time=0.0)
YANTANG_CALL = Incident(id="yantang-call", village="yantang", time=300.0)
TOWN_CALL_CLEARS = 1_800.0  # when Zhuoshui's unit finishes in town
HOUR = 3_600.0


def main() -> None:
    district = zhuoshui_shuishi()
    plan = cluster(district, ClusterParams(centrals=("zhuoshui",)))
    print(f"Plan: central {plan.clusters[0].central}, bases {', '.join(plan.clusters[0].bases)}")
    for name, policy in (
        ("Before the reform (OwnStation)", OwnStation()),
        ("Central station (ClusterFirst)", ClusterFirst()),
    ):
        dispatcher = Dispatcher(district, plan, policy, turnout=TURNOUT)
        busy = dispatcher.dispatch(TOWN_CALL)
        dispatcher.arrive(busy.unit, TOWN_CALL.time + busy.eta)
        decision = dispatcher.dispatch(YANTANG_CALL)
        print(f"\n{name}")
        print(f"  {YANTANG_CALL.id}: {decision.reason.value}: {decision.explanation}")
        if decision.unit is None:
            (served,) = dispatcher.clear(busy.unit, TOWN_CALL_CLEARS)
            wait = served.time - YANTANG_CALL.time
            print(f"  at {served.time / 60:.0f} min {served.unit} is free: {served.explanation}")
            print(f"  response: {(wait + served.eta) / 60:.1f} min after the call")
        else:
            print(f"  response: {decision.eta / 60:.1f} min after the call")
    emergency_unit(plan)


def emergency_unit(plan: ClusterPlan) -> None:
    """The Yantang call by day, by night and when urgent, with Yantang's unit."""
    district = zhuoshui_shuishi(with_emergency_unit=True)
    print("\nWith Yantang's emergency unit (on duty 08:00-20:00, priority 2 and 3), before the reform (OwnStation)")
    for hour, priority in ((10, 2), (22, 2), (10, 1)):
        dispatcher = Dispatcher(district, plan, OwnStation(), turnout=TURNOUT)
        busy = dispatcher.dispatch(TOWN_CALL.replace(time=hour * HOUR))  # beyond the unit's reach
        dispatcher.arrive(busy.unit, hour * HOUR + busy.eta)
        call = YANTANG_CALL.replace(time=hour * HOUR + 300.0, priority=priority)
        decision = dispatcher.dispatch(call)
        print(f"  {hour:02d}:05, priority {priority}: {decision.reason.value}: {decision.explanation}")


if __name__ == "__main__":
    main()
