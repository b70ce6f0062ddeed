"""API tokens end with the person's sign-in (issue 15): logging out of the pages and changing the
password end every token the user holds, so a token copied from a laptop stops working with them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .models import ApiToken

    if user is not None:
        ApiToken.end_all(user)


def _password_may_change(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


def _password_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from .models import ApiToken

    if not raw and getattr(instance, "_password_changed", False):
        ApiToken.end_all(instance)
        instance._password_changed = False


def connect() -> None:
    from .models import User

    user_logged_out.connect(_logged_out, dispatch_uid="accounts.tokens_end_at_logout", weak=False)
    pre_save.connect(_password_may_change, sender=User, dispatch_uid="accounts.password_seen", weak=False)
    post_save.connect(_password_changed, sender=User, dispatch_uid="accounts.tokens_end", weak=False)
