"""Listener accounts: sign up (open, invite-only or closed), and delete an account with its data.

Form data in, a logged-in new listener or a deleted one out. Deleting removes the user row;
every signal, vector, playlist and token hangs off it and goes with it (ON DELETE CASCADE).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from webapp.listening.models import Invite
from webapp.listening.services import listener_create

User = get_user_model()


class SignupForm(UserCreationForm):
    invite_code = forms.CharField(required=False, max_length=32)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)

    def __init__(self, *args, invite_required: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invite_required = invite_required
        if invite_required:
            self.fields["invite_code"].required = True
        else:
            del self.fields["invite_code"]

    def clean_invite_code(self) -> str:
        code = self.cleaned_data["invite_code"].strip()
        invite = Invite.objects.filter(code=code, used_at__isnull=True).first()
        if invite is None or (invite.expires_at and invite.expires_at < timezone.now()):
            raise forms.ValidationError("This invite code is not valid (or was used already).")
        return code


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    mode = settings.SIGNUP_MODE
    if mode == "closed":
        return render(request, "registration/signup_closed.html", status=403)
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None, invite_required=mode == "invite")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if form.invite_required:  # claim the code first: two sign-ups cannot share it
                claimed = Invite.objects.filter(
                    code=form.cleaned_data["invite_code"], used_at__isnull=True
                ).update(used_at=timezone.now())
                if not claimed:
                    form.add_error("invite_code", "This invite code was just used.")
                    return render(request, "registration/signup.html", {"form": form})
            user = listener_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
            if form.invite_required:
                Invite.objects.filter(code=form.cleaned_data["invite_code"]).update(used_by=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return redirect("profile")
    return render(request, "registration/signup.html", {"form": form})


class DeleteForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError("That is not your password.")
        return ""


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Delete the logged-in listener and everything they left here, after their password."""
    if request.user.is_staff:
        raise Http404("Staff accounts are removed by an administrator.")
    form = DeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        user.delete()
        messages.success(request, "Your account and all your listening data were deleted.")
        return redirect("home")
    return render(request, "listening/account_delete.html", {"form": form})
