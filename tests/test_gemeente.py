"""The gemeente configuration is validated at start-up with messages that name the field."""
import copy
from datetime import date, timedelta

import pytest
import yaml

from actions.gemeente import AMOUNTS, DEFAULT_PATH, GemeenteConfigError, dutch_today, load_config, parse_config
from actions.outcome.names import INDICATIONS

RAW = yaml.safe_load(DEFAULT_PATH.read_text())
TODAY = dutch_today()


def broken(mutate):
    data = copy.deepcopy(RAW)
    mutate(data)
    return data


def test_example_gemeente_is_valid():
    config = load_config(DEFAULT_PATH)
    assert config.name and config.address_form == "u"
    assert {"zelfmoordpreventie_113", "help_een_bedrijf_155", "ondernemersklankbord", "over_rood", "kvk", "geldfit",
            "schuldhulpverlening", "qredits"} <= {p.id for p in config.partners}
    assert config.amount("urencriterium", TODAY) == RAW["amounts"]["urencriterium"][-1]["value"]


def test_every_amount_has_a_period_covering_today_plus_30_days():
    """Stale amounts break CI before they reach an entrepreneur: update gemeente/config.yml
    (new periods with their source) when this fails."""
    config = load_config(DEFAULT_PATH)
    soon = TODAY + timedelta(days=30)
    assert config.uncovered_amounts(TODAY) == []
    assert config.uncovered_amounts(soon) == [], f"no period covers {soon}: add the new amounts"


def test_every_period_names_its_source_and_every_amount_is_read():
    for name, periods in RAW["amounts"].items():
        assert name in AMOUNTS
        for period in periods:
            assert len(str(period["source"])) > 10, (name, period)
    assert set(RAW["amounts"]) == set(AMOUNTS)


def test_amounts_no_code_reads_are_refused_at_start():
    data = broken(lambda d: d["amounts"].update(bbz_rente=[{"valid_from": "2026-01-01", "source": "x", "value": 5}]))
    with pytest.raises(GemeenteConfigError, match="'amounts.bbz_rente' is not an amount the bot uses"):
        parse_config(data)


def test_aow_age_with_months():
    config = load_config(DEFAULT_PATH)
    for period in RAW["amounts"]["aow_age"]:
        assert config.aow_age(period["valid_from"]) == (period["years"], period.get("months", 0))


def test_every_ticket_has_a_team_and_teams_name_known_labels():
    config = load_config(DEFAULT_PATH)
    assert config.team_for([]).id == config.teams[-1].id
    for team in RAW["teams"]:
        for label in team["handles"]:
            if label in INDICATIONS:
                assert config.team_for([label]).id == team["id"] or any(
                    label in t["handles"] for t in RAW["teams"][:RAW["teams"].index(team)])


def test_without_teams_the_loket_takes_every_ticket():
    data = copy.deepcopy(RAW)
    data.pop("teams")
    config = parse_config(data)
    assert [t.id for t in config.teams] == ["ondernemersloket"]
    assert config.team_for(["schuldhulp"]).id == "ondernemersloket"


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
        (lambda d: d["amounts"].pop("ioaz_income_limits"), "'amounts.ioaz_income_limits' is missing"),
        (lambda d: d["amounts"]["aow_age"][0].update(months=12), "'amounts.aow_age[0].months' must be a whole number"),
        (lambda d: d["amounts"]["aow_age"][0].update(years=67.5), "'amounts.aow_age[0].years' must be a whole number"),
        (lambda d: d["amounts"]["bijstandsnorm"][0].update(alleenstaande=1), "'amounts.bijstandsnorm[0].alleenstaande' is not a figure"),
        (lambda d: d["amounts"]["bijstandsnorm"][0].pop("source"), "'amounts.bijstandsnorm[0].source' is missing"),
        (lambda d: d["amounts"]["bijstandsnorm"][0].pop("valid_until"), "'amounts.bijstandsnorm': the period from"),
        (lambda d: d["teams"][0]["handles"].append("bbz"), None),
        (lambda d: d["teams"][0]["handles"].append("bbz_gevestigd"), "'teams[0].handles' names 'bbz_gevestigd'"),
        (lambda d: d["teams"][-1].update(handles=["ioaz"]), "one team must handle 'overig'"),
        (lambda d: d["teams"][1].update(id=d["teams"][0]["id"]), "'teams[1].id'"),
        (lambda d: d["partners"][0]["fits"].append("ziek"), "'partners[0].fits' names an unknown situation 'ziek'"),
        (lambda d: d["partners"][0].update(local="ja"), "'partners[0].local' must be true or false"),
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
    if message is None:  # a valid change
        parse_config(broken(mutate))
        return
    with pytest.raises(GemeenteConfigError) as err:
        parse_config(broken(mutate))
    assert message in str(err.value)


def _end(name):
    return max(date.fromisoformat(str(p["valid_until"])) for p in RAW["amounts"][name])


def test_expired_amounts_are_named_once_at_start_up(caplog):
    # the day after the bijstandsnorm's last period: read from the configuration, not pinned
    after = _end("bijstandsnorm") + timedelta(days=1)
    with caplog.at_level("WARNING", logger="actions.gemeente"):
        config = parse_config(copy.deepcopy(RAW), today=after)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "'bijstandsnorm'" in warnings[0]
    for name in ("urencriterium", "problematic_debt", "ioaz_couple_hours"):  # no end date
        assert f"'{name}'" not in warnings[0]
    newest = RAW["amounts"]["bijstandsnorm"][-1]["alleenstaand"]
    assert config.amount("bijstandsnorm", after, "alleenstaand") == newest  # the newest values are still used
    assert [name for name, _ in config.ended_periods(after)] == config.expired_amounts(after)


def test_no_warning_when_every_amount_is_current(caplog):
    with caplog.at_level("WARNING", logger="actions.gemeente"):
        parse_config(copy.deepcopy(RAW), today=TODAY)
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


def test_every_list_item_that_is_not_a_mapping_is_named_with_what_it_must_hold():
    data = broken(lambda d: (d["partners"].__setitem__(0, "x"), d.update(teams=[1], ticket_outcomes=["y"])))
    with pytest.raises(GemeenteConfigError) as refused:
        parse_config(data)
    message = str(refused.value)
    assert "'partners[0]' must be a mapping;" in message
    assert "'teams[0]' must be a mapping with id, name and handles" in message
    assert "'ticket_outcomes[0]' must be a mapping with id and label" in message


def test_today_is_the_dutch_calendar_day():
    """The machines run on UTC; the scan date and the amounts valid today follow the day in
    the Netherlands, as the handoff service's due dates do."""
    from datetime import datetime, timezone

    from handoff.tickets import local_date

    late_winter = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
    assert dutch_today(late_winter) == date(2026, 12, 1)
    assert dutch_today(datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)) == date(2026, 7, 2)
    assert dutch_today(datetime(2026, 7, 1, 21, 30, tzinfo=timezone.utc)) == date(2026, 7, 1)
    assert dutch_today(late_winter) == local_date(late_winter.replace(tzinfo=None))
    assert dutch_today(datetime(2026, 12, 31, 23, 5, tzinfo=timezone.utc)) == date(2027, 1, 1)
