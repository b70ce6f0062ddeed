"""The devices app's first migration: empty, so each aggregate's migration depends on one root."""

from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations: list = []
