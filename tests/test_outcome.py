"""What the entrepreneur sees after the scan, and the action that sets the outcome slots."""
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.address import to_je
from actions.catalogue import catalogue
from actions.gemeente import Period, gemeente
from actions.outcome.indications import RULES
from actions.outcome.referrals import situations
from actions.outcome.result import build_outcome
from actions.outcome.scoring import weights
from actions.outcome.staff_summary import ticket_payload
from actions.outcome.wording import (
    DECIDES,
    INDICATION_TEXT,
    LEVEL_LINE,
    LEVEL_LOW_INCOME,
    LOAN_FIRST,
    NEXT_BBZ,
    NEXT_BBZ_STOPPING,
    NEXT_IOAZ,
    NO_INDICATION,
    NOT_HERE,
    WHY_IT_FITS,
    all_indication_texts,
    all_result_texts,
    explain_jargon_in,
    jargon,
    result_messages,
)
from actions.outcome_action import ActionScanOutcome
from actions.parsing import UNKNOWN
from tests.helpers import make_tracker, slot_events
from tests.profiles import ACUTE, BV_GROWTH, HEALTHY, STARTER_FROM_BIJSTAND, STOPPING_AT_58, profile

ON = date.today()  # every amount is read from the configuration for this date
CONFIG = gemeente()
NORM_ALONE = CONFIG.amount("bijstandsnorm", ON, "alleenstaand")
PROFILES = {"healthy": HEALTHY, "acute": ACUTE, "starter": STARTER_FROM_BIJSTAND, "stopping_58": STOPPING_AT_58,
            "bv_growth": BV_GROWTH}
MAX_WORDS = 25


def messages_for(answers, distress=False):
    outcome = build_outcome(answers, CONFIG, ON, distress)
    return outcome, result_messages(answers, outcome, CONFIG)


def sentences(text):
    text = re.sub(r"https?://\S+", "URL", text)
    for line in text.split("\n"):
        yield from (s for s in re.split(r"(?<=[.?!])\s+", line.strip("- ").strip()) if s)


@pytest.mark.parametrize("name", PROFILES)
def test_outcome_texts_are_short_and_explain_their_jargon(name):
    _, messages = messages_for(PROFILES[name], distress=(name == "acute"))
    for message in messages:
        for sentence in sentences(message):
            assert len(sentence.split()) <= MAX_WORDS, sentence
        assert explain_jargon_in(message, CONFIG, ON) == [], message


PROMISE = re.compile(r"\bu krijgt\b|\bkrijgt u\b|\bu kunt dan\b|\bkunt u dan\b|\bgegarandeerd\b|\bzeker\b", re.I)


def test_every_indication_text_is_an_indication_not_a_promise():
    for text in all_indication_texts():
        assert "mogelijk" in text
        assert explain_jargon_in(text, CONFIG, ON) == []
        assert not PROMISE.search(text), text


def user_facing_texts():
    """Every fixed text the entrepreneur can read in the result."""
    found = list(all_result_texts()) + [q.topic for q in catalogue().questions]
    found += [w.reason for w in weights().values()]  # the driver lines
    for rule in RULES:
        found += [c.says for c in rule.conditions if isinstance(c.says, str)]
        found += [c.to_check for c in rule.conditions if isinstance(c.to_check, str)]
    return found


def test_no_unexplained_jargon_in_any_result_text():
    for text in user_facing_texts():
        assert explain_jargon_in(text, CONFIG, ON) == [], text


def test_the_jargon_check_knows_bijstandsniveau():
    # "bijstandsniveau" stood unexplained in a driver line and an indication text
    assert explain_jargon_in("Uw inkomen ligt onder het bijstandsniveau.", CONFIG, ON) == ["bijstandsniveau"]


def test_result_texts_can_be_said_informally():
    u_left = re.compile(r"\b[uU]w?\b(?![.\-]\w)")
    for text in user_facing_texts() + [r for r in reasons_of_all_rules()]:
        assert not u_left.search(to_je(text)), to_je(text)


def reasons_of_all_rules():
    from actions.outcome.indications import Facts, _debt_signals
    answers = profile(acute_measures=True, total_debt=90000, fixed_costs_paid="nee",
                      tax_arrears="regeling_loopt_niet", payment_arrears=2)
    return _debt_signals(Facts(answers, CONFIG, ON, build_outcome(answers, CONFIG, ON).score))


@pytest.mark.parametrize("name", PROFILES)
def test_result_says_level_why_and_next_steps(name):
    answers = PROFILES[name]
    outcome, messages = messages_for(answers)
    assert messages[0].startswith(LEVEL_LINE[outcome.score.level].split(".")[0])
    joined = "\n".join(messages)
    for indication in outcome.indications:
        assert INDICATION_TEXT[indication.id].split(".")[0] in joined
        assert DECIDES in joined
    assert 1 <= len(outcome.partners) <= 3
    for partner in outcome.partners:
        assert partner.name in joined
    if outcome.score.drivers:
        assert "Dit woog het zwaarst" in joined


def test_contrasting_entrepreneurs_get_different_outcomes():
    slots = {name: build_outcome(a, CONFIG, ON).slots() for name, a in PROFILES.items()}
    assert slots["healthy"]["risk_level"] == "laag" and slots["healthy"]["indications"] == []
    assert slots["acute"]["urgent"] is True and slots["acute"]["risk_level"] == "hoog"
    assert "schuldhulp" in slots["acute"]["indications"]
    assert "schuldhulpverlening" in slots["acute"]["referrals"]
    assert "bbz_starter" in slots["starter"]["indications"]
    assert slots["stopping_58"]["indications"][0] == "ioaz"
    # a bv's director may need help with private debts: schuldhulp is to check, not no
    assert "schuldhulp" in slots["bv_growth"]["indications"]
    assert "schuldhulpverlening" in slots["bv_growth"]["referrals"]


def test_crisis_line_comes_first_after_distress():
    outcome = build_outcome(HEALTHY, CONFIG, ON, distress=True)
    assert outcome.partners[0].id == "zelfmoordpreventie_113"


def test_tax_arrears_refer_to_the_belastingdienst():
    answers = profile(tax_arrears="achterstand")
    tags = situations(answers, build_outcome(answers, CONFIG, ON).score, [], False)
    assert "belasting" in tags


def test_unknowns_are_named_in_the_result():
    _, messages = messages_for(profile(total_debt="onbekend", revenue_trend="onbekend"))
    assert any("minder zeker" in m and "uw omzet" in m for m in messages)


def test_unknown_answers_are_not_stated_as_facts_in_the_drivers():
    answers = profile(total_debt=UNKNOWN, fixed_costs_paid=UNKNOWN, revenue_trend="gedaald")
    outcome, messages = messages_for(answers)
    assert "total_debt" in outcome.score.drivers and "fixed_costs_paid" in outcome.score.drivers
    drivers = next(m for m in messages if m.startswith("Dit woog het zwaarst"))
    assert weights()["revenue_trend"].reason in drivers
    assert weights()["total_debt"].reason not in drivers
    assert weights()["fixed_costs_paid"].reason not in drivers
    assert "weet ik niet" not in drivers
    assert any("U wist niet alles" in m and "uw schulden" in m for m in messages)


def test_only_unknown_drivers_give_no_driver_message():
    _, messages = messages_for(profile(total_debt=UNKNOWN))
    assert not any(m.startswith("Dit woog het zwaarst") for m in messages)


def test_every_question_has_a_readable_topic():
    for q in catalogue().questions:
        assert q.topic and "_" not in q.topic and len(q.topic.split()) <= 7, q.id


def test_an_unknown_cause_is_named_in_words_not_by_its_id():
    outcome, messages = messages_for(profile(main_cause=UNKNOWN))
    assert outcome.score.unknowns == ["main_cause"]
    joined = "\n".join(messages)
    assert "de oorzaak van de problemen" in joined and "main_cause" not in joined


def test_jargon_glossary_is_itself_plain():
    for explanation in jargon(CONFIG, ON).values():
        assert len(explanation.split()) <= 12


def test_the_urencriterium_is_explained_with_the_configured_hours():
    hours = CONFIG.with_amounts("{urencriterium}", ON)
    assert jargon(CONFIG, ON)["urencriterium"] == f"minstens {hours} uur per jaar in uw bedrijf"
    other = replace(CONFIG, amounts=dict(CONFIG.amounts, urencriterium=(Period(date(2000, 1, 1), None, "test",
                                                                              {"value": 1300}),)))
    assert "minstens 1.300 uur per jaar" in jargon(other, ON)["urencriterium"]


# ---- why an indication fits, without promises -------------------------------------

LOW_INCOME = profile(household="alleenstaand", household_other_income=None, monthly_income=NORM_ALONE - 300,
                     outlook="misschien")


def indication_message(answers, indication):
    outcome, messages = messages_for(answers)
    assert indication in [i.id for i in outcome.indications]
    return next(m for m in messages if m.startswith(INDICATION_TEXT[indication]))


def test_an_indication_says_which_answers_made_it_fit():
    text = indication_message(LOW_INCOME, "bbz_gevestigd_inkomen")
    assert WHY_IT_FITS in text
    assert "- u bent minstens 1,5 jaar ondernemer" in text
    assert "- het inkomen van uw huishouden is niet genoeg om van te leven" in text
    assert text.endswith(DECIDES)
    starter = indication_message(STARTER_FROM_BIJSTAND, "bbz_starter")
    assert "- u bent nog niet begonnen, of korter dan 1,5 jaar ondernemer" in starter
    assert "- u heeft een WW- of bijstandsuitkering" in starter
    debts = indication_message(ACUTE, "schuldhulp")
    assert "- de betalingsregeling met de Belastingdienst lukt niet meer" in debts


def test_bedrijfskapitaal_names_the_refused_loan_only_when_the_user_said_so():
    capital = dict(LOW_INCOME, outlook="ja")
    refused = indication_message(dict(capital, financing_asked="afgewezen"), "bbz_gevestigd_kapitaal")
    assert "- de bank of Qredits wilde u geen lening geven" in refused
    unknown = indication_message(dict(capital, financing_asked=UNKNOWN), "bbz_gevestigd_kapitaal")
    assert not re.search(r"nee zei|geweigerd|afgewezen|wilde u geen lening", unknown), unknown
    assert "De gemeente bekijkt nog: of de bank of Qredits u een lening wil geven." in unknown


# ---- the ticket for the accountmanager --------------------------------------------

def ticket(answers, special_consent):
    outcome = build_outcome(answers, CONFIG, ON)
    transcript = [{"who": "user", "text": "mijn partner is ziek"}]
    return ticket_payload("ZS-TEST01", "conv", "rest", answers, outcome, {"name": "Jan"}, special_consent, transcript)


def test_without_separate_consent_no_trace_of_a_health_or_family_cause_reaches_the_ticket():
    answers = profile(main_cause=["klant_weg", "ziekte"])
    assert build_outcome(answers, CONFIG, ON).score.drivers == ["main_cause"]
    t = ticket(answers, special_consent=False)
    assert weights()["main_cause"].reason not in t["summary"]
    assert not re.search(r"ziek|scheiding|zorg voor een naaste|mantelzorg", t["summary"], re.I), t["summary"]
    assert "main_cause" not in t["risk_drivers"]
    assert t["answers"]["main_cause"] == ["klant_weg"]
    assert not any("ziek" in row["answer"].lower() for row in t["answers_readable"])
    assert t["transcript"] is None
    assert t["risk_level"] == "laag"  # the contract slots stay as they are


def test_with_separate_consent_the_cause_is_shared():
    t = ticket(profile(main_cause=["klant_weg", "ziekte"]), special_consent=True)
    assert weights()["main_cause"].reason in t["summary"]
    assert t["risk_drivers"] == ["main_cause"]
    assert t["answers"]["main_cause"] == ["klant_weg", "ziekte"]
    assert t["transcript"] == [{"who": "user", "text": "mijn partner is ziek"}]


def test_staff_see_an_unknown_answer_as_unknown_not_as_a_fact():
    summary = ticket(profile(total_debt=UNKNOWN), special_consent=False)["summary"]
    assert "- Weet ik niet: Hoeveel schuld heeft u ongeveer in totaal? (3 punten" in summary
    assert weights()["total_debt"].reason not in summary


@pytest.mark.asyncio
async def test_outcome_action_sets_the_contract_slots_and_answers():
    tracker = make_tracker(ACUTE, form_active=False, extra_slots={"distress_reported": True})
    dispatcher = CollectingDispatcher()
    events = await ActionScanOutcome().run(dispatcher, tracker, {})
    slots = slot_events(events)
    assert set(slots) == {"risk_score", "risk_level", "urgent", "risk_drivers", "indications", "referrals"}
    assert slots["urgent"] is True and slots["risk_level"] == "hoog"
    assert slots["referrals"][0] == "zelfmoordpreventie_113"
    texts = [m["text"] for m in dispatcher.messages]
    assert texts[0].startswith("Uw uitkomst: rood")
    assert any("113" in t for t in texts)


def test_the_staff_summary_names_unknown_answers_by_topic():
    t = ticket(profile(total_debt=UNKNOWN, buffer_months=UNKNOWN), special_consent=True)
    line = next(x for x in t["summary"].splitlines() if x.startswith("Onbekend gebleven:"))
    assert line == "Onbekend gebleven: schulden, spaargeld."  # in the order the scan asks


# ---- texts: loans, no promises, what happens next ---------------------------------

INCOME_SUPPORT = re.compile(r"inkomen\b.*\baanvul|aanvult", re.I)


def test_every_text_about_bbz_income_support_says_it_is_first_an_interest_free_loan():
    texts = [t for t in all_indication_texts() if INCOME_SUPPORT.search(t)]
    assert len(texts) >= 4
    for text in texts:
        assert LOAN_FIRST in text, text


@pytest.mark.parametrize("text", all_result_texts())
def test_no_text_gives_money_or_promises_a_loan(text):
    assert not re.search(r"geld (te )?geven|geeft u geld|helpt met een lening|u krijgt een lening|"
                         r"geeft (u )?een lening", text, re.I), text
    assert not re.search(r"geen hulp met geld", text, re.I) or text == NO_INDICATION


def test_no_help_with_money_only_in_the_prescribed_wording():
    assert NO_INDICATION.startswith("Uit deze korte scan blijkt nu geen regeling")
    assert NO_INDICATION.endswith("Een medewerker kan dat met u bekijken.")
    _, messages = messages_for(HEALTHY)
    assert NO_INDICATION in messages


def test_green_never_says_redelijk_while_the_income_is_below_the_norm():
    answers = dict(STARTER_FROM_BIJSTAND)
    outcome, messages = messages_for(answers)
    assert outcome.score.level == "laag"
    assert "redelijk" not in messages[0] and messages[0] == LEVEL_LOW_INCOME
    _, healthy = messages_for(HEALTHY)
    assert healthy[0] == LEVEL_LINE["laag"]


def test_what_happens_next_follows_the_shown_indications():
    _, starter = messages_for(STARTER_FROM_BIJSTAND)
    joined = "\n".join(starter)
    for word in ("levensvatbaarheidsonderzoek", "jaarcijfers", "aangiftes inkomstenbelasting", "bankafschriften",
                 "uittreksel van de KVK", "een paar maanden"):
        assert word in joined
    ioaz_case = dict(STOPPING_AT_58, monthly_income=CONFIG.amount("ioaz_income_limits", ON, "past_average") / 24)
    outcome, stopping = messages_for(ioaz_case)
    assert "ioaz" in [i.id for i in outcome.indications]
    assert NEXT_IOAZ in "\n".join(stopping) and "voordat u stopt" in NEXT_IOAZ and "3 maanden" in NEXT_IOAZ
    assert "niet uit bij de KVK" in NEXT_IOAZ
    # a beëindiger needs no viable business: no viability study in its next step
    beeindiger = dict(LOW_INCOME, outlook="stoppen", age=40)
    outcome, messages = messages_for(beeindiger)
    assert [i.id for i in outcome.indications] == ["bbz_beeindiger"]
    joined = "\n".join(messages)
    assert NEXT_BBZ_STOPPING in joined and NEXT_BBZ not in joined


def test_someone_who_lives_elsewhere_gets_the_elsewhere_text_and_no_local_partners():
    for answers in (ACUTE, STARTER_FROM_BIJSTAND, profile(main_cause=["mantelzorg"])):
        outcome, messages = messages_for(dict(answers, lives_in_municipality=False))
        assert NOT_HERE in messages
        assert outcome.indications == []
        assert outcome.partners and not any(p.local for p in outcome.partners)
        assert not any("Bbz" in m or "schuldhulpverlening" in m for m in messages)


def test_a_care_illness_or_divorce_cause_goes_to_the_wmo_loket_when_configured():
    for cause in ("mantelzorg", "ziekte", "scheiding"):
        assert "wmo_loket" in build_outcome(profile(main_cause=[cause]), CONFIG, ON).slots()["referrals"]
    assert "wmo_loket" in build_outcome(dict(ACUTE, main_cause=["ziekte"]), CONFIG, ON).slots()["referrals"]
    without = replace(CONFIG, partners=tuple(p for p in CONFIG.partners if "zorg_gezin" not in p.fits))
    assert build_outcome(profile(main_cause=["mantelzorg"]), without, ON).partners  # still a next step


def test_the_schuldhulp_partner_follows_the_rule_not_the_shown_list():
    answers = dict(LOW_INCOME, outlook="stoppen", age=60, years_in_business=20, total_debt=90000,
                   fixed_costs_paid="nee", help_wanted=["stoppen"])
    outcome = build_outcome(answers, CONFIG, ON)
    assert outcome.schuldhulp_rule and "schulden" in outcome.situations
    assert "schuldhulpverlening" in outcome.slots()["referrals"]


# ---- the ticket: next steps, routing, vroegsignalering, ended amounts -------------

def summary_steps(t):
    lines = t["summary"].splitlines()
    start = lines.index("Voorgestelde eerste stappen:")
    return [line for line in lines[start + 1:] if line.startswith("- ")]


def test_staff_next_steps_follow_the_indications():
    starter = summary_steps(ticket(STARTER_FROM_BIJSTAND, special_consent=True))
    assert any("levensvatbaarheidsonderzoek" in s and "KVK-uittreksel" in s for s in starter)
    capital = CONFIG.with_amounts("{bbz_capital.starter}", ON)
    assert any(f"maximaal € {capital}" in s for s in starter)
    assert starter[-1].startswith("- Altijd nagaan") and "verblijfsstatus" in starter[-1]
    both = summary_steps(ticket(ACUTE, special_consent=True))
    assert any("art. 17" in s and "art. 42" in s for s in both)
    assert any(s.startswith("- Schuldhulp:") for s in both)
    ioaz_case = dict(STOPPING_AT_58, monthly_income=CONFIG.amount("ioaz_income_limits", ON, "past_average") / 24)
    ioaz = summary_steps(ticket(ioaz_case, special_consent=True))
    assert any("IOAZ: liefst aanvragen voor het stoppen" in s and "niet eerst uitschrijven" in s for s in ioaz)


def test_the_ticket_names_the_team_from_the_configuration():
    assert ticket(ACUTE, special_consent=True)["team"] == CONFIG.team_for(["acuut"]).id
    assert ticket(STARTER_FROM_BIJSTAND, special_consent=True)["team"] == CONFIG.team_for(["bbz_starter"]).id
    healthy = ticket(HEALTHY, special_consent=True)
    assert healthy["team"] == CONFIG.team_for([]).id
    assert f"Team: {CONFIG.team_for([]).name}." in healthy["summary"]


def test_private_arrears_are_flagged_for_the_schuldhulp_team():
    answers = profile(payment_arrears=1, private_arrears=["huur", "zorgverzekering"])
    t = ticket(answers, special_consent=True)
    assert "prive_achterstand" in t["situations"]
    assert t["team"] == CONFIG.team_for(["prive_achterstand"]).id == "schuldhulp"
    assert "VROEGSIGNALERING: privé-achterstand bij huur, zorgverzekering (voor het schuldhulpteam)." in t["summary"]
    business_only = ticket(profile(payment_arrears=1, private_arrears=["geen"]), special_consent=True)
    assert "VROEGSIGNALERING" not in business_only["summary"]
    assert "prive_achterstand" not in business_only["situations"]


def test_without_separate_consent_the_referrals_and_team_do_not_reveal_a_care_cause():
    answers = profile(main_cause=["mantelzorg"])
    assert "wmo_loket" in build_outcome(answers, CONFIG, ON).slots()["referrals"]
    hidden = ticket(answers, special_consent=False)
    assert "wmo_loket" not in hidden["referrals"] and "zorg_gezin" not in hidden["situations"]
    assert "Wmo" not in hidden["summary"]
    shared = ticket(answers, special_consent=True)
    assert "wmo_loket" in shared["referrals"] and "zorg_gezin" in shared["situations"]


def test_the_summary_says_when_an_amount_came_from_an_ended_period():
    assert "verlopen periode" not in ticket(ACUTE, special_consent=True)["summary"]
    newest = max(CONFIG.amounts["bijstandsnorm"], key=lambda p: p.valid_from)
    after = newest.valid_until + timedelta(days=1)
    outcome = build_outcome(ACUTE, CONFIG, after)
    summary = ticket_payload("ZS-TEST02", "conv", "rest", ACUTE, outcome, {}, True, [])["summary"]
    assert f"bijstandsnorm (geldig tot {newest.valid_until:%d-%m-%Y})" in summary
    assert "LET OP: bedragen uit een verlopen periode" in summary


def test_every_figure_in_the_example_configuration_is_read_by_the_outcome():
    """An amount no code reads would only look checked: each figure is used somewhere."""
    from actions.gemeente import GemeenteConfig

    read = set()

    class Recording(GemeenteConfig):
        def amount(self, name, on, key="value"):
            read.add((name, key))
            return super().amount(name, on, key)

        def optional_amount(self, name, on, key):
            read.add((name, key))
            return super().optional_amount(name, on, key)

        def aow_age(self, on):
            read.update({("aow_age", "years"), ("aow_age", "months")})
            return super().aow_age(on)

    config = Recording(**{f: getattr(CONFIG, f) for f in CONFIG.__dataclass_fields__})
    ioaz_case = dict(STOPPING_AT_58, monthly_income=1000)
    cases = [HEALTHY, ACUTE, STARTER_FROM_BIJSTAND, ioaz_case, BV_GROWTH, dict(LOW_INCOME, age=19),
             dict(LOW_INCOME, outlook="ja", financing_asked="afgewezen"), dict(ioaz_case, hours_per_week=18),
             dict(HEALTHY, age=70), dict(LOW_INCOME, age=70)]  # AOW norms
    for answers in cases:
        outcome = build_outcome(answers, config, ON)
        result_messages(answers, outcome, config)
        ticket_payload("ZS-TEST03", "conv", "rest", answers, outcome, {}, True, [])
    configured = {(name, key) for name, periods in config.amounts.items() for p in periods for key in p.values}
    assert configured - read == set()


def test_the_staff_summary_leaves_unknown_situation_parts_out():
    answers = profile(business_form=UNKNOWN, years_in_business=UNKNOWN, household=UNKNOWN, age=UNKNOWN)
    line = ticket(answers, special_consent=True)["summary"].splitlines()[0]
    assert line == "Situatie: niet bekend."
    answers = profile(business_form="eenmanszaak", years_in_business=UNKNOWN, household=UNKNOWN, age=58)
    line = ticket(answers, special_consent=True)["summary"].splitlines()[0]
    assert line == "Situatie: eenmanszaak; 58 jaar."


def test_the_staff_summary_situation_line_with_every_part_known():
    answers = profile(business_form="eenmanszaak", years_in_business=7, household="alleenstaand", age=58)
    line = ticket(answers, special_consent=True)["summary"].splitlines()[0]
    assert line == "Situatie: eenmanszaak, 7 jaar ondernemer; woont alleen, 58 jaar."
