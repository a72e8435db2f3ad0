import pytest

from tests.e2e.servers import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    s = Stack(tmp_path_factory.mktemp("e2e"))
    try:
        s.start_handoff()
        s.start_actions()
        s.start_rasa()
        yield s
    finally:
        s.stop()
