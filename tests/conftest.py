import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Honest tiers: a test that starts the handoff service as a process (through the
    ``service`` fixture or a module that uses ``HandoffService``) is a ``service`` test, so
    `make pytest` stays free of servers and `make service-test` runs these."""
    for item in items:
        module = getattr(item, "module", None)
        if "service" in getattr(item, "fixturenames", ()) or (module is not None and "HandoffService" in vars(module)):
            item.add_marker(pytest.mark.service)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real handoff service, action server and Rasa server (REST and socket.io)."""
    from tests.e2e.servers import Stack

    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.start_handoff()
        s.start_actions()
        s.start_rasa()
        yield s
    finally:
        s.stop()
