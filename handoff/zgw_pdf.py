"""The staff summary of a ticket as a PDF, for the case system's Documenten API (fpdf2,
pure Python). Text is set in DejaVu Sans, a Unicode font that ships with matplotlib (a
dependency of Rasa), so "beëindiging", "één" and "€" come out as they are; without that
font, the built-in Helvetica is used with the characters it can show (€ becomes EUR)."""
from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional

from fpdf import FPDF

LEVEL_TEXT = {"laag": "Laag risico", "verhoogd": "Verhoogd risico", "hoog": "Hoog risico"}


def unicode_font() -> Optional[Path]:
    """DejaVu Sans from matplotlib's data folder (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    return path if path.is_file() else None


def _latin1(text: str) -> str:
    return text.replace("€", "EUR").replace("–", "-").replace("—", "-").replace("‘", "'").replace("’", "'") \
        .replace("“", '"').replace("”", '"').replace("…", "...").encode("latin-1", "replace").decode("latin-1")


def summary_pdf(ticket: Mapping[str, Any], organisation: str, made_at: Optional[datetime] = None,
                compress: bool = True) -> bytes:
    """A short PDF: reference, risk level, the staff summary, indications and answers.
    No contact details: those go to the zaak's initiator rol, where the case system
    keeps them apart."""
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_title(f"Samenvatting aanmelding {ticket['id']}")
    pdf.set_author(organisation)
    pdf.set_creator("Zelfscan Ondernemers")
    if made_at is not None:
        pdf.set_creation_date(made_at)
    font = unicode_font()
    if font is not None:
        pdf.add_font("DejaVu", "", str(font))
        family, clean = "DejaVu", (lambda s: s)
    else:
        family, clean = "Helvetica", _latin1
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(family, size=13)
        pdf.multi_cell(width, 7, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)

    def line(text: str) -> None:
        pdf.multi_cell(width, 5.5, clean(text), new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, size=16)
    pdf.multi_cell(width, 9, clean(f"Aanmelding {ticket['id']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    level = LEVEL_TEXT.get(str(ticket.get("risk_level")), str(ticket.get("risk_level")))
    urgent = " · urgent: neem binnen een werkdag contact op" if ticket.get("urgent") else ""
    line(f"{organisation} · via de Zelfscan Ondernemers · ontvangen {str(ticket.get('created_at', ''))[:10]}")
    line(f"{level} (score {int(float(ticket.get('risk_score') or 0))} van 100){urgent}")

    heading("Samenvatting")
    for text in str(ticket.get("summary") or "Geen samenvatting.").split("\n"):
        line(text)

    heading("Indicaties")
    details = ticket.get("indication_details") or []
    if not details:
        line("Geen indicatie.")
    for item in details:
        label = str(item.get("id", "")) if isinstance(item, Mapping) else str(item)
        missing = item.get("missing") if isinstance(item, Mapping) else None
        line(f"- {label}" + (f" (nog na te gaan: {', '.join(map(str, missing))})" if missing else ""))

    heading("Antwoorden")
    answers = ticket.get("answers_readable") or []
    if not answers:
        line("Geen antwoorden.")
    for answer in answers:
        if isinstance(answer, Mapping):
            line(f"{answer.get('question', '')}: {answer.get('answer', '')}")
    pdf.ln(4)
    pdf.set_font(family, size=8)
    line("Dit is een indicatie uit een korte scan. De gemeente beslist pas na een aanvraag.")
    return bytes(pdf.output())
