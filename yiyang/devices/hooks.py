"""What runs after the ingestion worker stores a new reading.

The worker (:mod:`yiyang.devices.services.ingest`) calls every callable in :data:`READING_STORED`
once for each reading it has just inserted, after the batch's transaction committed. A redelivered
message (a duplicate) is not stored again and calls nothing. The rules engine registers itself here::

    # yiyang/devices/rules.py (or the app's ready())
    from yiyang.devices.hooks import READING_STORED
    READING_STORED.append(evaluate)      # evaluate(reading: Reading) -> None

A hook that raises is logged and counted (``hook_errors`` in the worker's stats); it never stops the
worker and never undoes the stored reading. The ``Reading`` passed in is built from the inserted row
(``pk``, ``device_id``, ``elder_id``, ``ts``, ``type``, ``value``, ``received_at``) without a query;
reach ``reading.device`` or ``reading.elder`` only if needed (one query each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Reading

#: callables run for each newly stored reading, in order
READING_STORED: list[Callable[[Reading], None]] = []
