"""Log-ins, failed log-ins and log-outs go to the audit trail; ``records_changed`` for bulk writers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from . import audit

#: Sent by a service that writes rows in bulk (``bulk_create``, ``QuerySet.update``), which sends no
#: ``post_save``, with ``sender`` = the model and ``instances`` = the rows written (as they are after the
#: write), inside the service's transaction. Apps that keep derived data (monitoring's recompute outbox)
#: listen here, so the writer need not know them: health may not import monitoring.
records_changed = Signal()


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("login", user=user, object_type="accounts.user", object_id=str(user.pk))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("logout", user=user, object_type="accounts.user", object_id=str(user.pk))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    audit.record("login_failed", user=None, username=str(credentials.get("username", ""))[:150])
