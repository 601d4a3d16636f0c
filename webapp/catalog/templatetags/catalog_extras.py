"""Template filters for catalog pages: durations in milliseconds shown as m:ss."""

from django import template

register = template.Library()


@register.filter
def duration(ms: int | None) -> str:
    """120500 -> "2:00"; None or a non-number -> ""."""
    try:
        seconds = int(ms) // 1000
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
