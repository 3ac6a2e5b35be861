"""The reported Yantang call, before and after the central-station reform.

Covers: a cluster plan with a given central, the Dispatcher, and the OwnStation
(pre-reform) and ClusterFirst (central-station) policies with their reasons.

Scenario: Zhuoshui station's only unit is busy on a call in Zhuoshui town when a
call comes in from Yantang village, in Zhuoshui's jurisdiction. By road, Zhuoshui
-> Yantang takes over 30 minutes, Shuishi -> Yantang about 10. Before the reform
the call waits for Zhuoshui's unit; under the central-station rule (Zhuoshui
coordinates Shuishi) Shuishi's free unit goes.
"""

from dispatch import ClusterParams, Incident, cluster
from dispatch.datasets import zhuoshui_shuishi
from dispatch.operate import Dispatcher
from dispatch.operate.policies import ClusterFirst, OwnStation

TURNOUT = 60.0  # seconds to leave the station
TOWN_CALL = Incident(id="town-call", village="zhuoshui-town", time=0.0)
YANTANG_CALL = Incident(id="yantang-call", village="yantang", time=300.0)
TOWN_CALL_CLEARS = 1_800.0  # when Zhuoshui's unit finishes in town


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


if __name__ == "__main__":
    main()
