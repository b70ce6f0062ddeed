"""Field validators for registry reference data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError


def validate_uscc(value: str) -> None:
    """统一社会信用代码 (GB 32100-2015): 18 characters with a check character (python-stdnum cn.uscc)."""
    try:
        uscc.validate(value)
    except StdnumError:
        raise ValidationError(
            _("Unified social credit code is not valid (18 characters, last one a check character)."),
            code="invalid_uscc",
        ) from None
