"""The gemeente configuration is validated at start-up with messages that name the field."""
import copy
from datetime import date

import pytest
import yaml

from actions.gemeente import DEFAULT_PATH, GemeenteConfigError, load_config, parse_config

RAW = yaml.safe_load(DEFAULT_PATH.read_text())


def broken(mutate):
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


def test_example_gemeente_is_valid():
    config = load_config(DEFAULT_PATH)
    assert config.name and config.address_form == "u"
    assert {"zelfmoordpreventie_113", "help_een_bedrijf_155", "ondernemersklankbord", "over_rood", "kvk", "geldfit",
            "schuldhulpverlening", "qredits"} <= {p.id for p in config.partners}
    assert config.amount("urencriterium", date(2026, 1, 1)) == 1225


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("name"), "'name' is missing"),
        (lambda d: d.update(address_form="jij"), "'address_form' must be 'u' or 'je'"),
        (lambda d: d["ondernemersloket"].update(email="geen-adres"), "'ondernemersloket.email' is not an e-mail"),
        (lambda d: d["partners"][1].pop("does"), "'partners[1].does' is missing"),
        (lambda d: d["partners"][2].update(id=d["partners"][1]["id"]), "'partners[2].id'"),
        (lambda d: d["amounts"]["bijstandsnorm"][0].update(alleenstaand="veel"),
         "'amounts.bijstandsnorm[0].alleenstaand' must be a positive number"),
        (lambda d: d["amounts"]["aow_age"][0].update(valid_from="morgen"), "'amounts.aow_age[0].valid_from' is not a date"),
        (lambda d: d["amounts"].pop("ioaz_profit_limit"), "'amounts.ioaz_profit_limit' is missing"),
        (lambda d: d.update(risk_thresholds={"verhoogd": 50, "hoog": 40}), "'risk_thresholds'"),
        (lambda d: d.update(response_days={"urgent": 0}), "'response_days.urgent' must be a whole number"),
        (lambda d: d.update(retention_days="negentig"), "'retention_days' must be a whole number of days"),
        (lambda d: d.update(retention_days=True), "'retention_days' must be a whole number of days"),
        (lambda d: d.update(retention_days=0), "'retention_days' must be a whole number of days"),
        (lambda d: d["amounts"].pop("problematic_debt"), "'amounts.problematic_debt' is missing"),
        (lambda d: d["amounts"]["urencriterium"].__setitem__(0, 1225), "'amounts.urencriterium[0]' must be a mapping"),
    ],
)
def test_wrong_fields_are_named(mutate, message):
    with pytest.raises(GemeenteConfigError) as err:
        parse_config(broken(mutate))
    assert message in str(err.value)


def test_expired_amounts_are_named_once_at_start_up(caplog):
    with caplog.at_level("WARNING", logger="actions.gemeente"):
        config = parse_config(copy.deepcopy(RAW), today=date(2026, 1, 1))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    for name in ("bijstandsnorm", "ioaz_profit_limit", "bbz_capital_gevestigd_max", "bbz_capital_starter_max"):
        assert f"'{name}'" in warnings[0]
    for name in ("aow_age", "urencriterium", "problematic_debt"):
        assert f"'{name}'" not in warnings[0]
    assert config.amount("ioaz_profit_limit", date(2026, 1, 1)) == 28957  # the newest values are still used


def test_no_warning_when_every_amount_is_current(caplog):
    with caplog.at_level("WARNING", logger="actions.gemeente"):
        parse_config(copy.deepcopy(RAW), today=date(2024, 3, 1))
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(GemeenteConfigError, match="not found"):
        load_config(tmp_path / "nope.yml")


def test_handoff_retention_follows_the_gemeente_config(tmp_path, monkeypatch):
    from handoff.settings import Settings

    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(dict(RAW, retention_days=30)))
    monkeypatch.setenv("GEMEENTE_CONFIG", str(config))
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert Settings().retention_days == 30  # the period the bot promises in its consent text
    monkeypatch.setenv("RETENTION_DAYS", "7")
    assert Settings().retention_days == 7
