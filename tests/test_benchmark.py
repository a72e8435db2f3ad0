"""`make benchmark` (scripts/benchmark.py) works. Only that it runs: its times are
printed for people to read, never asserted (they depend on the machine and its load).

* The load tool recognises every scan question as the bot asks it and types each
  profile's answer so that the scan reads the profile's value (a change to the
  catalogue that breaks the load tool fails here, not in a long benchmark run).
* A tiny run (``--quick``) against this assistant, started as `make run` starts it,
  finishes its scans without errors and reports figures and memory. The starter
  bot is left out here: training it (``rasa init``) takes minutes on two cores;
  `make benchmark` trains it once into build/.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import benchmark_load as load  # noqa: E402

MODEL = ROOT / "models" / "zelfscan.tar.gz"


def test_every_question_as_the_bot_asks_it_is_recognised():
    from actions.catalogue import catalogue
    from actions.scan_form import question_message

    questions = load.load_questions()
    for q in catalogue().questions:
        text = question_message(q, {})["text"]
        found = load.which_question(text, questions)
        assert found is not None and found.id == q.id, text


@pytest.mark.parametrize("name,answers", load.profiles(), ids=[n for n, _ in load.profiles()])
def test_each_profile_answer_is_read_as_the_profile_s_value(name, answers):
    from actions.catalogue import catalogue, interpret
    from actions.gemeente import dutch_today

    questions = {q.id: q for q in load.load_questions()}
    for qid, value in answers.items():
        if qid not in questions or value is None:
            continue
        text = load.answer_text(questions[qid], value)
        result = interpret(catalogue()[qid], text, dutch_today())
        assert result.ok, f"{qid}: {text!r} not understood"
        expected = sorted(value) if isinstance(value, list) else value
        got = sorted(result.value) if isinstance(result.value, list) else result.value
        assert got == expected, f"{qid}: {text!r} read as {result.value!r}, profile says {value!r}"


def test_percentiles():
    assert load.percentile([5, 1, 3, 2, 4], 50) == 3
    assert load.percentile(list(range(1, 101)), 95) == 95


@pytest.mark.skipif(not MODEL.exists(), reason="no trained model (make train)")
def test_a_quick_benchmark_runs(tmp_path):
    out = tmp_path / "result.json"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "benchmark.py"), "--quick", "--bots", "zelfscan",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "| this assistant, whole scan |" in run.stdout
    assert "Capacity" in run.stdout and "| Rasa server |" in run.stdout
    result = json.loads(out.read_text())
    for phase in result["phases"]["zelfscan"].values():
        assert phase["errors"] == 0 and phase["completed"] == phase["conversations"] >= 1
        assert phase["messages"] >= 20 * phase["completed"]  # whole scans, not just a greeting
    assert result["memory"]["zelfscan"]["rasa"]["rss"] > 0
    assert result["memory"]["zelfscan"]["actions"]["rss"] > 0
