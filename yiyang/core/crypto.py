"""Field encryption and blind indexes for personal data.

Encryption uses ``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, authenticated) through
MultiFernet, so keys can be rotated: the first key in YIYANG_FIELD_KEYS encrypts, every key decrypts.
Look-up by ID number uses a blind index: HMAC-SHA256 under a separate key over the normalised value,
so equal numbers match without the database ever holding anything that can be reversed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=1)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("YIYANG_FIELD_KEYS is empty: personal data cannot be stored")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _blind_key() -> bytes:
    key = settings.YIYANG_BLIND_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("YIYANG_BLIND_INDEX_KEY is empty")
    return base64.urlsafe_b64decode(key)


def encrypt(value: str) -> str:
    """Encrypt a text value; the empty string stays empty (nothing to protect, nothing to show)."""
    if not value:
        return ""
    return _fernet(tuple(settings.YIYANG_FIELD_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _fernet(tuple(settings.YIYANG_FIELD_KEYS)).decrypt(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of ``value``; ``purpose`` separates indexes so an ID hash never equals a phone hash."""
    msg = f"{purpose}:{value}".encode()
    return hmac.new(_blind_key(), msg, hashlib.sha256).hexdigest()
