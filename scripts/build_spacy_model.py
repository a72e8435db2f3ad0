"""Build the project's small Dutch spaCy pipeline from PyPI parts and install it.

spacy.blank("nl") (Dutch tokenizer, stop words, number words) + the lookup lemmatizer
from spacy-lookups-data, packaged as ``nl_zelfscan_sm`` so Rasa's SpacyNLP can load it
by name. The official nl_core_news_sm cannot be installed on these machines; where it
is installed, the Makefile uses it instead (see README).
"""
import subprocess
import sys
from pathlib import Path

import spacy

NAME = "zelfscan_sm"
VERSION = "1.0.0"


def build(out: Path) -> Path:
    nlp = spacy.blank("nl")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta.update(
        {
            "name": NAME,
            "version": VERSION,
            "description": "Dutch tokenizer + lookup lemmatizer for Zelfscan Ondernemers",
            "license": "MIT",
        }
    )
    model_dir = out / "model"
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    return model_dir


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/spacy")
    model_dir = build(out)
    pkg_dir = out / "pkg"
    pkg_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(model_dir), str(pkg_dir),
         "--name", NAME, "--version", VERSION, "--force", "--build", "none"],
        check=True,
    )
    source = pkg_dir / f"nl_{NAME}-{VERSION}"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(source)],
        check=True,
    )
    doc = spacy.load(f"nl_{NAME}")("Mijn schulden zijn gehalveerd")
    print("nl_" + NAME, "installed; lemmas:", [t.lemma_ for t in doc])


if __name__ == "__main__":
    main()
