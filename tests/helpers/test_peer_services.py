"""The peer process serves exactly the services a scenario may name in PEERS."""

from __future__ import annotations

from conformance._helpers.peers import SERVICES
from conformance._model.scenarios import PEER_SERVICES


def test_the_peer_process_serves_every_name_a_scenario_may_ask_for() -> None:
    assert tuple(SERVICES) == PEER_SERVICES
