"""Forms: the player's POSTs (how long a track played) and the throttled login forms.

Posted fields in, a clean `ms_played` (or None) out; anything else is a 400 for the view.
The login forms refuse a login that failed too often before checking its password.
"""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from webapp.listening.login_throttle import login_failure_record, login_wait_seconds

MAX_MS_PLAYED = 24 * 60 * 60 * 1000


#: Where a play, skip or save in the browser came from: a track page, or a weekly playlist.
BROWSER_SOURCES = (("browser", "Browser player"), ("weekly", "Discover Weekly playlist"))


class PlayForm(forms.Form):
    """A play or an early skip reported by the browser player, and where it was played."""

    ms_played = forms.IntegerField(min_value=0, max_value=MAX_MS_PLAYED, required=False)
    source = forms.ChoiceField(choices=BROWSER_SOURCES, required=False)

    def clean_source(self) -> str:
        return self.cleaned_data.get("source") or "browser"


class LoginThrottleMixin:
    """For an AuthenticationForm: refuse a throttled login before its password is checked,
    and count a failed one (webapp.listening.login_throttle). `throttled` tells the page."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = (self.request.META.get("REMOTE_ADDR") if self.request else None) or "unknown"
        wait = login_wait_seconds(username=username, ip=ip)
        if wait is not None:
            self.throttled = True
            minutes = max(1, math.ceil(wait / 60))
            raise forms.ValidationError(
                "Too many failed logins for this account or from your network. For your "
                f"safety, try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                login_failure_record(username=username, ip=ip)
            raise


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    """The site's login form."""


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The admin's login form."""
