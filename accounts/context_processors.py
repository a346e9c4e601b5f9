from accounts.models import Theme, UserSettings


def theme(request) -> dict:
    """The theme goes on <html> server-side, so no page flashes the wrong colours."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"theme": Theme.SYSTEM}
    return {"theme": UserSettings.for_user(user).theme}
