"""Write the Rasa credentials for the channels that are configured.

Reads credentials.yml and keeps each channel whose ${VARIABLES} are all set in the
environment (REST and socket.io have none and are always kept). Rasa then fills in
the values itself. Usage: python scripts/channels.py credentials.yml var/credentials.yml
"""
import os
import re
import sys
from pathlib import Path

import yaml

VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def enabled_channels(source: dict, environ: dict) -> dict:
    kept = {}
    for channel, settings in source.items():
        needed = VAR.findall(yaml.safe_dump(settings)) if settings else []
        if all(environ.get(name) for name in needed):
            kept[channel] = settings
    return kept


def main() -> int:
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    kept = enabled_channels(yaml.safe_load(src.read_text()) or {}, dict(os.environ))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(yaml.safe_dump(kept, sort_keys=False))
    names = [c.split(".")[-1] for c in kept]
    print("Channels: " + ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
