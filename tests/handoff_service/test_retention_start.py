"""The real handoff service refuses to start, or to purge, with a RETENTION_DAYS longer
than the period the gemeente configuration promises: one line, exit code 2."""
import pytest

from actions.gemeente import DEFAULT_PATH, load_config
from tests.handoff_service.service import HandoffService

PROMISED = load_config(DEFAULT_PATH).retention_days
LONGER = str(PROMISED + 1)
LINE = f"RETENTION_DAYS={LONGER} is longer than the {PROMISED} days the gemeente configuration promises (retention_days)"
ENV = {"GEMEENTE_CONFIG": str(DEFAULT_PATH)}


def test_a_longer_retention_days_stops_the_start_with_one_line(tmp_path):
    svc = HandoffService(tmp_path, extra_env={**ENV, "RETENTION_DAYS": LONGER})
    with pytest.raises(RuntimeError) as stopped:
        svc.start()
    assert LINE in str(stopped.value)
    assert "Traceback" not in svc.log
    assert svc.proc is not None and svc.proc.returncode == 2


def test_the_purge_refuses_a_longer_period_and_takes_a_shorter_one(tmp_path):
    svc = HandoffService(tmp_path, extra_env=ENV)
    refused = svc.cli("purge", env={"RETENTION_DAYS": LONGER})
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [refused.stderr.strip()]
    assert LINE in refused.stderr
    shorter = svc.cli("purge", env={"RETENTION_DAYS": str(PROMISED - 1)})
    assert shorter.returncode == 0, shorter.stderr
    assert f"Bewaartermijn {PROMISED - 1} dagen" in shorter.stdout
