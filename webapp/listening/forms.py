"""Forms for the player's POSTs: how long a track played, validated before a service runs.

Posted fields in, a clean `ms_played` (or None) out; anything else is a 400 for the view.
"""

from django import forms

MAX_MS_PLAYED = 24 * 60 * 60 * 1000


class PlayForm(forms.Form):
    """A play or an early skip reported by the browser player."""

    ms_played = forms.IntegerField(min_value=0, max_value=MAX_MS_PLAYED, required=False)
