"""Authentication for people only: the system actor (:mod:`yiyang.core.actors`) never logs in.

It is inactive with an unusable password already; this backend refuses it by name as well, so that a
mistaken activation or password in the admin still opens no session, and sessions that name it are
not restored.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from yiyang.core.actors import is_system


class PersonBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        return not is_system(user) and super().user_can_authenticate(user)
