"""Example entrepreneurs for outcome tests: a healthy base and named variations."""
from typing import Any, Dict

HEALTHY: Dict[str, Any] = {
    "acute_measures": False, "business_form": "eenmanszaak", "years_in_business": 8, "hours_per_week": 40,
    "employees": 0, "revenue_trend": "gelijk", "fixed_costs_paid": "altijd", "monthly_income": 3200,
    "household": "samenwonend", "household_other_income": 2500, "benefit": "geen", "tax_arrears": "nee",
    "late_returns": False, "payment_arrears": 0, "total_debt": 2000, "buffer_months": 8,
    "administration": "bij", "opens_mail": "ja", "financing_asked": "niet_gevraagd", "main_cause": ["anders"],
    "outlook": "ja", "age": 45, "lives_in_municipality": True, "help_wanted": ["coach"],
}


def profile(**overrides: Any) -> Dict[str, Any]:
    answers = dict(HEALTHY)
    answers.update(overrides)
    return answers


ACUTE = profile(acute_measures=True, revenue_trend="sterk_gedaald", fixed_costs_paid="nee", monthly_income=600,
                household="alleenstaand", household_other_income=None, tax_arrears="regeling_loopt_niet",
                payment_arrears=2, private_arrears=["huur", "energie", "zorgverzekering"], total_debt=65000,
                buffer_months=0, administration="ver_achter", opens_mail="nee", outlook="nee", help_wanted=["schulden"])
STARTER_FROM_BIJSTAND = profile(years_in_business=0.5, hours_per_week=30, employees=0, monthly_income=400,
                                household="alleenstaand", household_other_income=None, benefit="bijstand",
                                revenue_trend="gestegen", total_debt=0, buffer_months=0, outlook="misschien",
                                age=29, help_wanted=["coach", "financiering"])
STOPPING_AT_58 = profile(years_in_business=22, age=58, monthly_income=1100, household="samenwonend",
                         household_other_income=600, revenue_trend="gedaald", fixed_costs_paid="meestal",
                         outlook="stoppen", total_debt=8000, buffer_months=2, help_wanted=["stoppen"])
BV_GROWTH = profile(business_form="bv", employees=12, revenue_trend="gestegen", fixed_costs_paid="vaak_niet",
                    monthly_income=2500, tax_arrears="achterstand", payment_arrears=2, private_arrears=["geen"],
                    total_debt=180000, buffer_months=1, administration="achter", main_cause=["groei"], outlook="ja",
                    financing_asked="afgewezen", help_wanted=["financiering"])
