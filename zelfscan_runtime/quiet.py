"""A first screen that shows the services, real warnings and errors, nothing else.

Third-party packages (Rasa, TensorFlow, SQLAlchemy, pyparsing, matplotlib, setuptools)
print pages of deprecation and "you are using an old version" warnings at every start.
They are not for an operator: warnings of these kinds that originate inside
site-packages are dropped. Everything else (warnings from this project, runtime
warnings, every log line and error) is shown. ``ZELFSCAN_VERBOSE=1`` shows everything.
"""
from __future__ import annotations

import os
import sysconfig
import warnings
from typing import Any, Optional, TextIO, Tuple, Type

NOISE: Tuple[Type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning,
                                    ImportWarning)


def third_party_dirs() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple({os.path.realpath(paths[k]) for k in ("purelib", "platlib", "stdlib") if k in paths})


def is_noise(category: Type[Warning], filename: str, dirs: Tuple[str, ...]) -> bool:
    where = os.path.realpath(filename or "")
    return issubclass(category, NOISE) and any(where.startswith(d + os.sep) for d in dirs)


def install(environ: Optional[dict] = None) -> None:
    env = environ if environ is not None else os.environ
    if env.get("ZELFSCAN_VERBOSE", "").strip().lower() in ("1", "true", "yes"):
        return
    dirs = third_party_dirs()
    shown = warnings.showwarning

    def show(message: Any, category: Type[Warning], filename: str, lineno: int, file: Optional[TextIO] = None,
             line: Optional[str] = None) -> None:
        if not is_noise(category, filename, dirs):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
