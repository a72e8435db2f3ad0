"""Intent quality on a held-out split of the NLU data (not the training set).

Splits data/nlu 80/20 per intent with a fixed seed (rasa data split nlu), trains an
NLU model on the 80 % only, tests it on the 20 % and prints the intent macro-F1.
Exit code 1 when macro-F1 is below the target. Do not tune on the held-out part.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.93
OUT = Path("build/nlu_report")
RASA = str(Path(sys.executable).with_name("rasa"))


def run(*args: str) -> None:
    subprocess.run([RASA, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    os.environ.setdefault("SPACY_MODEL", "nl_zelfscan_sm")
    run("data", "split", "nlu", "-u", "data/nlu", "--training-fraction", "0.8", "--random-seed", "42", "--out", str(OUT / "split"))
    start = time.time()
    run("train", "nlu", "--nlu", str(OUT / "split" / "training_data.yml"), "--out", str(OUT / "models"),
        "--fixed-model-name", "heldout")
    train_seconds = time.time() - start
    run("test", "nlu", "--nlu", str(OUT / "split" / "test_data.yml"), "--model", str(OUT / "models" / "heldout.tar.gz"),
        "--out", str(OUT / "results"))
    report = json.loads((OUT / "results" / "intent_report.json").read_text())
    macro = report["macro avg"]["f1-score"]
    test_size = report["macro avg"]["support"]
    print(f"NLU held-out split: {test_size} test messages, NLU training {train_seconds:.0f} s")
    for intent, row in sorted(report.items()):
        if isinstance(row, dict) and "f1-score" in row and intent not in ("macro avg", "weighted avg", "micro avg"):
            print(f"  {intent:20s} f1={row['f1-score']:.3f} (n={row['support']})")
    print(f"Intent macro-F1 on the held-out split: {macro:.3f} (target >= {TARGET})")
    errors = OUT / "results" / "intent_errors.json"
    if errors.exists():
        print(f"Misclassified messages: {errors}")
    return 0 if macro >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
