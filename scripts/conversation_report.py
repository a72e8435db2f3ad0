"""Runs the conversation corpus against the trained model and the real action server
and prints the share handled right per category, for the held-out part (the figure to
report) and the tuning part. Usage: scripts/conversation_report.py [--split heldout|tune|all] [--show-failures]"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conversations.runner import THRESHOLD, Bot, load_corpus, shares  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all", choices=["all", "heldout", "tune"])
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--category")
    args = parser.parse_args()
    cases = load_corpus()
    if args.split != "all":
        cases = [c for c in cases if c["split"] == args.split]
    if args.category:
        cases = [c for c in cases if c["category"] in args.category.split(",")]
    with Bot() as bot:
        results = bot.run(cases)
        lengths = bot.questions_after_openers() if args.split == "all" and not args.category else []
    worst = 1.0
    for split in ("heldout", "tune"):
        table = shares(results, split)
        if not table:
            continue
        turns = sum(n for _, n in table.values())
        print(f"\n{'HELD-OUT (report this)' if split == 'heldout' else 'tuning part'}: {turns} turns")
        for category, (ok, n) in table.items():
            print(f"  {category:<16} {ok:>3}/{n:<3}  {ok / n:6.1%}")
            worst = min(worst, ok / n)
    if args.show_failures:
        for r in results:
            if not r.ok:
                print(f"\nFAIL [{r.case['split']}/{r.case['category']}] {r.case.get('setup')} {r.case['say']!r}: {r.why}")
                for t in r.said[:3]:
                    print(f"    bot: {t[:160]}")
    if lengths:
        import statistics

        print(f"\nScan after a first message with three facts ({len(lengths)} openers): "
              f"median {statistics.median(n for _, n in lengths):.0f} questions asked, "
              f"median {statistics.median(f for f, _ in lengths):.0f} facts noted from the opener")
    print(f"\nLowest share: {worst:.1%} (target {THRESHOLD:.0%} in every category)")
    return 0 if worst >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
