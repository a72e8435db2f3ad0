"""How long personal data are kept: the one default, and the one check of ``RETENTION_DAYS``.

The gemeente configuration's ``retention_days`` is the period the assistant promises in its
privacy text (actions/texts.yml); without it, :data:`DEFAULT_RETENTION_DAYS`. The handoff
service's purge uses that period. ``RETENTION_DAYS`` may make the purge come sooner, never
later: a longer value would keep data past the promise, so the service refuses to start.
No Rasa here, so the action server and the handoff service both import it.
"""
from __future__ import annotations

from typing import Iterable, Optional

from zelfscan_runtime.secrets import SecretError

DEFAULT_RETENTION_DAYS = 90


class RetentionError(SecretError):
    """A wrong ``RETENTION_DAYS``: reported like a wrong secret (one line, exit code 2)."""


def promised_days(configured: Iterable[int]) -> int:
    """The period every gemeente of this deployment promises: the shortest configured
    ``retention_days``, or the default when none is configured."""
    return min(configured, default=DEFAULT_RETENTION_DAYS)


def purge_days(override: Optional[str], promised: int) -> int:
    """The days after which the purge erases personal data: ``promised``, or the shorter
    ``RETENTION_DAYS`` (``override``) when it is set."""
    if override is None or not override.strip():
        return promised
    try:
        days = int(override.strip())
    except ValueError:
        raise RetentionError(f"RETENTION_DAYS must be a whole number of days, not '{override}'.") from None
    if days < 1:
        raise RetentionError(f"RETENTION_DAYS must be at least 1 day, not {days}.")
    if days > promised:
        raise RetentionError(
            f"RETENTION_DAYS={days} is longer than the {promised} days the gemeente configuration promises "
            f"(retention_days): data may be kept shorter, never longer. Lower RETENTION_DAYS or leave it out.")
    return days
