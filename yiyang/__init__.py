"""yiyang (医养): the integrated medical and elderly care (医养结合) service platform."""

from .celery import app as celery_app

__all__ = ["celery_app"]
