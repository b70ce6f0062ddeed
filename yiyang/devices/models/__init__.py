"""Devices models, one module per aggregate; import every model here so Django finds it."""

from .devices import Device, DeviceKind  # noqa: F401
from .readings import Reading, ReadingType  # noqa: F401
