import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402


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
