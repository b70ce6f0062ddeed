from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):  # type: ignore[no-untyped-def]
    """``mapping[key]`` in a template (empty when missing)."""
    return (mapping or {}).get(key, "")
