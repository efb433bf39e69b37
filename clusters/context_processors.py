from django.conf import settings
from django.utils import translation


def navigation(request):
    current = translation.get_language() or settings.LANGUAGE_CODE
    return {
        "language_options": [
            {"code": code, "name": settings.LANGUAGE_NATIVE_NAMES.get(code, code), "current": code == current.lower()}
            for code, _name in settings.LANGUAGES
        ],
    }
