"""Give every response in domain.yml its informal ("je") variation, derived from the
"u" text by actions.address.to_je. Run after changing a response; the tests check
that the variations are up to date."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ruamel.yaml import YAML  # noqa: E402

from actions.address import to_je  # noqa: E402

CONDITION = [{"type": "slot", "name": "address_form", "value": "je"}]


def main() -> int:
    path = Path(__file__).resolve().parent.parent / "domain.yml"
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    domain = yaml.load(path.read_text())
    for name, variations in domain["responses"].items():
        base = [v for v in variations if not v.get("condition")]  # the "u" texts are the source
        informal = []
        for v in base:
            je = dict(v)
            je["text"] = to_je(v["text"])
            if "buttons" in v:
                je["buttons"] = [dict(b, title=to_je(b["title"])) for b in v["buttons"]]
            informal.append({"condition": [dict(c) for c in CONDITION], **je})
        domain["responses"][name] = informal + base
    with path.open("w") as f:
        yaml.dump(domain, f)
    print(f"{len(domain['responses'])} responses have a 'je' variation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
