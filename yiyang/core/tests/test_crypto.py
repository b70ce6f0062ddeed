"""Personal data is encrypted at rest, found by a keyed blind index, shown masked."""

from django.db import connection
from django.test import override_settings

from yiyang.core import crypto
from yiyang.core.models import Elder


def test_encrypt_round_trips_and_never_stores_clear_text():
    token = crypto.encrypt("520621195003150031")
    assert "520621" not in token
    assert crypto.decrypt(token) == "520621195003150031"
    assert crypto.encrypt("") == ""


def test_blind_index_is_stable_keyed_and_purpose_separated():
    a = crypto.blind_index("520621195003150031", purpose="id_number")
    assert a == crypto.blind_index("520621195003150031", purpose="id_number")
    assert a != crypto.blind_index("520621195003150031", purpose="phone")
    with override_settings(YIYANG_BLIND_INDEX_KEY="b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="):
        assert crypto.blind_index("520621195003150031", purpose="id_number") != a


def test_old_keys_still_decrypt_after_rotation():
    token = crypto.encrypt("13812345678")
    new_key = "bmV3LWZpZWxkLWtleS1uZXctZmllbGQta2V5LTMyYnk="
    from django.conf import settings

    with override_settings(YIYANG_FIELD_KEYS=[new_key, *settings.YIYANG_FIELD_KEYS]):
        assert crypto.decrypt(token) == "13812345678"
        assert crypto.decrypt(crypto.encrypt("x")) == "x"


def test_no_clear_id_number_or_phone_in_any_elder_column(demo_db):
    """Read the raw table: no 18-digit number and no 11-digit mobile appears in clear."""
    elder = Elder.objects.exclude(phone_encrypted="").first()
    clear_id = crypto.decrypt(elder.id_number_encrypted)
    clear_phone = crypto.decrypt(elder.phone_encrypted)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM core_elder WHERE id = %s", [elder.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert clear_id not in row
    assert clear_phone not in row
