"""One retention period: the gemeente configuration promises it (or the one default), and
RETENTION_DAYS may shorten the handoff service's purge but never lengthen it."""
import pytest
import yaml

from actions.gemeente import DEFAULT_PATH, load_config
from zelfscan_runtime.retention import RetentionError, promised_days, purge_days

RAW = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_promise_is_the_shortest_configured_period():
    assert promised_days([90, 30, 60]) == 30


def test_without_a_configured_period_both_services_use_the_same_default(tmp_path, monkeypatch):
    from handoff.settings import Settings

    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({k: v for k, v in RAW.items() if k != "retention_days"}), encoding="utf-8")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(config))
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    promised = load_config(config).retention_days  # what the privacy text says
    assert Settings().retention_days == promised == promised_days([])


@pytest.mark.parametrize("override, expected", [(None, 60), ("", 60), ("60", 60), ("7", 7), (" 30 ", 30)])
def test_retention_days_may_be_shorter_or_equal(override, expected):
    assert purge_days(override, 60) == expected


@pytest.mark.parametrize("override, message", [
    ("61", "RETENTION_DAYS=61 is longer than the 60 days the gemeente configuration promises"),
    ("365", "RETENTION_DAYS=365 is longer than the 60 days"),
    ("0", "RETENTION_DAYS must be at least 1 day"),
    ("negentig", "RETENTION_DAYS must be a whole number of days, not 'negentig'"),
])
def test_a_longer_or_wrong_retention_days_is_refused_in_one_line(override, message):
    with pytest.raises(RetentionError) as refused:
        purge_days(override, 60)
    assert message in refused.value.line and "\n" not in refused.value.line
    assert refused.value.code == refused.value.line  # a SystemExit: the service stops with this line


def test_the_handoff_settings_refuse_a_period_longer_than_the_configured_one(tmp_path, monkeypatch):
    from handoff.settings import Settings

    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(dict(RAW, retention_days=30)), encoding="utf-8")
    monkeypatch.setenv("GEMEENTE_CONFIG", str(config))
    monkeypatch.setenv("RETENTION_DAYS", "31")
    with pytest.raises(RetentionError, match="longer than the 30 days"):
        Settings()
    monkeypatch.setenv("RETENTION_DAYS", "29")
    assert Settings().retention_days == 29
