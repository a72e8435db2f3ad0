"""The ZGW part without a server: the configuration and its errors, the RSIN check, the
step planner, and the PDF with Dutch text."""
from datetime import datetime, timedelta

import pytest

from handoff import zgw, zgw_pdf
from handoff.zgw_store import StepRow, backoff_seconds

ENV = {"ZGW_CLIENT_SECRET": "s" * 40}


def raw(**overrides):
    data = {"enabled": True, "zaken_api": "https://openzaak.example.nl/zaken/api/v1/",
            "documenten_api": "https://openzaak.example.nl/documenten/api/v1",
            "catalogi_api": "https://openzaak.example.nl/catalogi/api/v1", "client_id": "zelfscan",
            "rsin": "002220647", "zaaktype": "https://openzaak.example.nl/catalogi/api/v1/zaaktypen/1",
            "informatieobjecttype": "https://openzaak.example.nl/catalogi/api/v1/informatieobjecttypen/2"}
    data.update(overrides)
    return data


def test_off_when_missing_or_disabled():
    assert zgw.parse_config(None, ENV) is None
    assert zgw.parse_config({"enabled": False}, ENV) is None
    assert zgw.parse_config(raw(enabled=False), {}) is None  # no secret needed while off


def test_a_full_configuration():
    config = zgw.parse_config(raw(status_types={"in_behandeling": 2, "afgesloten": "https://x.nl/statustypen/3"}),
                              ENV, default_auteur="Ondernemersloket Voorbeeldstad")
    assert config is not None
    assert config.zaken_api == "https://openzaak.example.nl/zaken/api/v1"  # no trailing slash
    assert config.client_secret == ENV["ZGW_CLIENT_SECRET"] and "s" * 40 not in repr(config)
    assert config.auteur == "Ondernemersloket Voorbeeldstad" and config.vertrouwelijkheidaanduiding == "vertrouwelijk"
    assert config.status_types == {"in_behandeling": 2, "afgesloten": "https://x.nl/statustypen/3"}


@pytest.mark.parametrize("overrides, environ, words", [
    ({}, {}, ["ZGW_CLIENT_SECRET", "not set"]),
    ({"client_secret_env": "OPEN_ZAAK_SECRET"}, ENV, ["OPEN_ZAAK_SECRET"]),
    ({"client_secret": "in-het-bestand"}, ENV, ["'zgw.client_secret' may not be in the file"]),
    ({"rsin": "123456789"}, ENV, ["'zgw.rsin'", "11-proef"]),
    ({"zaaktype": "openzaak/zaaktypen/1"}, ENV, ["'zgw.zaaktype'", "http(s)"]),
    ({"vertrouwelijkheidaanduiding": "heel_geheim"}, ENV, ["'zgw.vertrouwelijkheidaanduiding'"]),
    ({"status_types": {"gesloten": 3}}, ENV, ["'zgw.status_types.gesloten' is no inbox status"]),
    ({"status_types": {"afgesloten": "drie"}}, ENV, ["'zgw.status_types.afgesloten'"]),
    ({"register_from": "gisteren"}, ENV, ["'zgw.register_from'"]),
    ({"zaken_url": "https://x.nl"}, ENV, ["'zgw.zaken_url' is not a known setting"]),
    ({"client_id": ""}, ENV, ["'zgw.client_id' is missing"]),
])
def test_every_problem_names_its_field(overrides, environ, words):
    with pytest.raises(zgw.ZgwConfigError) as error:
        zgw.parse_config(raw(**overrides), environ)
    for word in words:
        assert word in str(error.value)


def test_a_secret_in_the_file_is_refused_even_when_off():
    with pytest.raises(zgw.ZgwConfigError, match="may not be in the file"):
        zgw.parse_config({"enabled": False, "client_secret": "geheim"}, {})


def test_production_needs_https():
    with pytest.raises(zgw.ZgwConfigError, match="'zgw.zaken_api' must be an https address in production"):
        zgw.parse_config(raw(zaken_api="http://openzaak.intern/zaken/api/v1"), ENV, production=True)
    assert zgw.parse_config(raw(), ENV, production=True) is not None


def test_the_example_file_and_a_file_with_zgw(tmp_path):
    assert zgw.from_gemeente_file(environ={}) is None  # the example ships with ZGW off
    path = tmp_path / "gemeente.yml"
    path.write_text("name: Voorbeeldstad\nondernemersloket:\n  name: Loket Voorbeeldstad\nzgw:\n"
                    + "".join(f"  {k}: {v!r}\n" for k, v in raw().items()).replace("True", "true"), encoding="utf-8")
    config = zgw.from_gemeente_file(path, ENV)
    assert config is not None and config.auteur == "Loket Voorbeeldstad"


def _zgw_yaml(**overrides):
    return "zgw:\n" + "".join(f"  {k}: {v!r}\n" for k, v in raw(**overrides).items()).replace("True", "true")


def test_a_region_gives_each_gemeente_its_own_case_system(tmp_path):
    (tmp_path / "stad.yml").write_text("name: Voorbeeldstad\n", encoding="utf-8")  # ZGW off
    (tmp_path / "dorp.yml").write_text("name: Buurdorp\nondernemersloket:\n  name: Loket Buurdorp\n"
                                       + _zgw_yaml(client_secret_env="BUURDORP_ZGW_SECRET"), encoding="utf-8")
    (tmp_path / "regio.yml").write_text("gemeenten:\n  voorbeeldstad: stad.yml\n  buurdorp: dorp.yml\n",
                                        encoding="utf-8")
    configs = zgw.from_gemeente_file(tmp_path / "regio.yml", {"BUURDORP_ZGW_SECRET": "b" * 40})
    assert isinstance(configs, dict) and list(configs) == ["buurdorp"]
    assert configs["buurdorp"].auteur == "Loket Buurdorp" and configs["buurdorp"].client_secret == "b" * 40
    # a ticket of Voorbeeldstad never goes to Buurdorp's case system
    assert zgw.config_for(configs, {"gemeente": "voorbeeldstad"}) is None
    assert zgw.config_for(configs, {"gemeente": "buurdorp"}) is configs["buurdorp"]
    with pytest.raises(zgw.ZgwConfigError, match="buurdorp: .*BUURDORP_ZGW_SECRET"):
        zgw.from_gemeente_file(tmp_path / "regio.yml", {})


@pytest.mark.parametrize("value, ok", [("002220647", True), ("111222333", True), ("123456782", True),
                                       ("123456789", False), ("12345678", False), ("00222064a", False),
                                       ("000000000", False)])
def test_rsin_eleven_test(value, ok):
    assert zgw.valid_rsin(value) is ok


NOW = datetime(2026, 11, 30, 12, 0)


def row(step, done=True, attempts=1, final=False, next_at=None, target=None):
    return StepRow(step, "https://x/" + step if done else None, target, attempts, None if done else "fout", final,
                   next_at, NOW, done)


def test_the_planner_walks_the_steps_in_order():
    step, state = zgw.next_step({}, "nieuw", {}, NOW)
    assert (step.name, step.tried, state) == ("zaak", False, "todo")
    rows = {n: row(n) for n in ("zaak", "document")}
    step, _ = zgw.next_step(rows, "nieuw", {}, NOW)
    assert step.name == "zaakinformatieobject"
    rows = {n: row(n) for n in zgw.STEPS}
    rows["status"] = row("status", target="nieuw")
    assert zgw.next_step(rows, "nieuw", {"in_behandeling": 2}, NOW) == (None, "done")


def test_a_tried_step_looks_first_and_waits_for_its_backoff():
    rows = {"zaak": row("zaak", done=False, next_at=NOW + timedelta(seconds=30))}
    assert zgw.next_step(rows, "nieuw", {}, NOW) == (None, "waiting")
    step, state = zgw.next_step(rows, "nieuw", {}, NOW + timedelta(seconds=31))
    assert (step.name, step.tried, state) == ("zaak", True, "todo")
    rows = {"zaak": row("zaak"), "document": row("document", done=False, final=True)}
    assert zgw.next_step(rows, "nieuw", {}, NOW) == (None, "blocked")


def test_status_changes_follow_the_inbox():
    rows = {n: row(n) for n in zgw.STEPS}
    rows["status"] = row("status", target="nieuw")
    mapped = {"in_behandeling": 2, "afgesloten": 3}
    step, _ = zgw.next_step(rows, "in_behandeling", mapped, NOW)
    assert (step.name, step.target) == ("status:2", "in_behandeling")
    rows["status:2"] = row("status:2", target="in_behandeling")
    assert zgw.next_step(rows, "in_behandeling", mapped, NOW) == (None, "done")
    step, _ = zgw.next_step(rows, "afgesloten", mapped, NOW)
    assert (step.name, step.target) == ("status:3", "afgesloten")
    # an unmapped status is not passed on
    assert zgw.next_step(rows, "afgesloten", {"in_behandeling": 2}, NOW) == (None, "done")
    # a refused change does not block a later one
    rows["status:3"] = row("status:3", done=False, final=True, target="afgesloten")
    assert zgw.next_step(rows, "afgesloten", mapped, NOW) == (None, "done")
    step, _ = zgw.next_step(rows, "in_behandeling", mapped, NOW)
    assert (step.name, step.target) == ("status:4", "in_behandeling")


def test_backoff_doubles_up_to_an_hour():
    assert [backoff_seconds(n, 60) for n in (1, 2, 3, 7, 20)] == [60, 120, 240, 3600, 3600]


def test_the_pdf_keeps_dutch_letters_and_the_euro_sign():
    ticket = {"id": "ZS-ABC123", "risk_level": "hoog", "risk_score": 61, "urgent": True,
              "created_at": "2026-11-30T10:00:00Z", "summary": "Beëindiging van één zaak; schuld € 1.500; café.",
              "indication_details": [{"id": "bbz_beeindiger", "missing": ["inkomen"]}],
              "answers_readable": [{"question": "Wat is uw situatie?", "answer": "Reünie, naïef, coöperatie"}]}
    assert zgw_pdf.unicode_font() is not None
    pdf = zgw_pdf.summary_pdf(ticket, "Ondernemersloket Voorbeeldstad", compress=False)
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf  # an embedded TrueType font
    # the font's map from glyphs to Unicode holds each letter the text needs
    for char in "ëéïö€":
        assert f"<{ord(char):04X}>".encode() in pdf, char
    compressed = zgw_pdf.summary_pdf(ticket, "Ondernemersloket Voorbeeldstad")
    assert len(compressed) < len(pdf)


def test_each_gemeente_uses_its_own_case_system():
    one = zgw.parse_config(raw(), ENV)
    other = zgw.parse_config(raw(rsin="111222333"), ENV)
    assert zgw.config_for(zgw.as_configs(one), {"gemeente": "buurdorp"}) is one  # one gemeente: every ticket
    region = zgw.as_configs({"voorbeeldstad": one, "buurdorp": other, "zonder": None})
    assert zgw.config_for(region, {"gemeente": "buurdorp"}) is other
    assert zgw.config_for(region, {"gemeente": "zonder"}) is None  # never another gemeente's case system
    assert zgw.config_for(region, {}) is None
    assert zgw.as_configs(None) == {}


def test_result_types_name_outcomes_and_urls():
    config = zgw.parse_config(raw(result_types={"niet_bereikt": "https://x.nl/resultaattypen/1"}), ENV,
                              outcome_ids=["niet_bereikt", "bbz_aangevraagd"])
    assert config.result_types == {"niet_bereikt": "https://x.nl/resultaattypen/1"}
    with pytest.raises(zgw.ZgwConfigError, match="'zgw.result_types.gesloten' is no outcome of ticket_outcomes"):
        zgw.parse_config(raw(result_types={"gesloten": "https://x.nl/r/1"}), ENV, outcome_ids=["niet_bereikt"])
    with pytest.raises(zgw.ZgwConfigError, match="'zgw.result_types.niet_bereikt' must be a resultaattype URL"):
        zgw.parse_config(raw(result_types={"niet_bereikt": 3}), ENV, outcome_ids=["niet_bereikt"])


def test_closing_records_the_resultaat_before_the_eindstatus():
    rows = {n: row(n) for n in zgw.STEPS}
    rows["status"] = row("status", target="nieuw")
    mapped, results = {"afgesloten": 3}, {"niet_bereikt": "https://x/resultaattypen/1"}
    step, _ = zgw.next_step(rows, "afgesloten", mapped, NOW, "niet_bereikt", results)
    assert (step.name, step.target) == ("resultaat", "niet_bereikt")
    rows["resultaat"] = row("resultaat", target="niet_bereikt")
    step, _ = zgw.next_step(rows, "afgesloten", mapped, NOW, "niet_bereikt", results)
    assert (step.name, step.target) == ("status:2", "afgesloten")
    # an outcome without a resultaattype: straight to the status (the case system decides)
    del rows["resultaat"]
    step, _ = zgw.next_step(rows, "afgesloten", mapped, NOW, "geen_hulp_nodig", results)
    assert step.name == "status:2"
    # a refused resultaat does not hold the status back
    rows["resultaat"] = row("resultaat", done=False, final=True, target="niet_bereikt")
    step, _ = zgw.next_step(rows, "afgesloten", mapped, NOW, "niet_bereikt", results)
    assert step.name == "status:2"
