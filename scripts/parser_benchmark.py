"""How the answer parsers scale with the length of a message (linear, not quadratic).

Prints the time of all number parsers on inputs of 1,000, 4,000 and 16,000 characters
and the ratio 16k/1k (about 16 when linear; the old parser reached 190 on "- 3 - 3 ...").
Usage: python scripts/parser_benchmark.py
"""
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from actions import parsing  # noqa: E402

PARSERS = (parsing.parse_amount, partial(parsing.parse_amount, period="month", add_up=True), parsing.parse_years,
           parsing.parse_hours, parsing.parse_age,
           parsing.parse_bool, parsing.parse_count, parsing.parse_months)
UNITS = {"digits": "12 ", "number words": "twaalf ", "signs": "- 3 ", "mixed": "ik heb 20k schuld en twee ton ",
         "years": "sinds 2019 ", "losses": "ik leg er 200 op toe ", "halves": "twee en een half ", "letters": "a"}
SIZES = (1000, 4000, 16000)


def main() -> int:
    print(f"{'input':<14}" + "".join(f"{n:>10,} ch" for n in SIZES) + "   ratio 16k/1k")
    for name, unit in UNITS.items():
        times = []
        for size in SIZES:
            text = unit * (size // len(unit))
            start = time.perf_counter()
            for parse in PARSERS:
                parse(text)
            times.append(time.perf_counter() - start)
        print(f"{name:<14}" + "".join(f"{t * 1000:>10.0f} ms" for t in times) + f"   {times[2] / times[0]:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
