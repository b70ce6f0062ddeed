"""The JSON API at /api/v1/ (django-ninja). OpenAPI document and Swagger UI are served offline
from the ninja app's own static files at /api/v1/docs.

Errors are JSON: ``{"detail": ..., "errors": [{"field", "code", "message"}]}`` with Chinese messages,
4xx for anything the caller can fix; nothing the caller sends can cause a 500.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from yiyang.accounts.models import ApiToken
from yiyang.core import clock
from yiyang.core.actors import SYSTEM_USERNAME
from yiyang.core.errors import ServiceError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):  # type: ignore[no-untyped-def]
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), expires_at__gt=clock.now(), user__is_active=True)
            .exclude(user__username=SYSTEM_USERNAME)
            .first()
        )
        if row is None:
            return None
        if row.last_used_at is None or (clock.now() - row.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=clock.now())
        request.user = row.user
        return row.user


class NulCharacterError(ValueError):
    """A JSON body holds a NUL character (``\\u0000``) at ``field``."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _find_nul(value: object, path: str = "") -> str | None:
    if isinstance(value, str):
        return (path or "__all__") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _find_nul(key, path) or _find_nul(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _find_nul(item, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


class JsonParser(Parser):
    """The default JSON parser, refusing a NUL character anywhere in the body.

    PostgreSQL text cannot hold NUL, so a string carrying one would pass every schema and then fail the
    write with a 500. Django's form fields refuse it already (``ProhibitNullCharactersValidator``); this
    does the same for every API body at once, instead of a pattern on each schema field.
    """

    def parse_body(self, request: HttpRequest) -> dict:
        data = super().parse_body(request)
        field = _find_nul(data)
        if field is not None:
            raise NulCharacterError(field)
        return data


api = NinjaAPI(
    title="yiyang 医养结合服务平台 API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs_url="/docs",
    parser=JsonParser(),
)

PYDANTIC_MESSAGES = {
    "missing": "必填项，不能为空。",
    "string_type": "应为文本。",
    "int_type": "应为整数。",
    "int_parsing": "应为整数。",
    "bool_type": "应为“是”或“否”（true/false）。",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_parsing": "日期格式应为 YYYY-MM-DD。",
    "date_type": "日期格式应为 YYYY-MM-DD。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "string_too_long": "文本过长。",
    "string_too_short": "文本过短。",
    "literal_error": "取值不在允许范围内。",
    "enum": "取值不在允许范围内。",
    "json_invalid": "请求体不是合法的 JSON。",
    "extra_forbidden": "不接受此字段。",
    "greater_than_equal": "数值过小。",
    "less_than_equal": "数值过大。",
}


def _field_of(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        field = _field_of(list(e.get("loc", [])))
        message = PYDANTIC_MESSAGES.get(e.get("type", ""), "格式不正确。")
        errors.append({"field": field, "code": "INVALID", "message": f"{field}：{message}"})
    return api.create_response(
        request, {"detail": _("The request has errors."), "errors": errors}, status=422
    )


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "errors": exc.as_list()}, status=exc.status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": _("You do not have permission to do this.")}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Log in or send a valid token.")}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        if isinstance(exc.__cause__, NulCharacterError):
            field = exc.__cause__.field
            message = _("%(field)s: contains a null character, which cannot be saved.") % {"field": field}
            body = {"detail": message, "errors": [{"field": field, "code": "INVALID", "message": message}]}
            return api.create_response(request, body, status=422)
        message = _("The request body could not be read: send valid JSON.")
        body = {
            "detail": message,
            "errors": [{"field": "__all__", "code": "BAD_REQUEST", "message": message}],
        }
        return api.create_response(request, body, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _mount() -> None:
    from yiyang.accounts.api import router as accounts_router
    from yiyang.assessments.api import router as assessments_router
    from yiyang.care.api import router as care_router
    from yiyang.core.api import router as core_router
    from yiyang.devices.api import router as devices_router
    from yiyang.health.api import router as health_router
    from yiyang.monitoring.api import router as monitoring_router
    from yiyang.quality.api import router as quality_router

    api.add_router("/auth", accounts_router)
    api.add_router("", core_router)
    # Routers of other apps are mounted here, one line each.
    api.add_router("", assessments_router)
    api.add_router("", health_router)
    api.add_router("", monitoring_router)
    api.add_router("", care_router)
    api.add_router("", quality_router)
    api.add_router("", devices_router)


_mount()
