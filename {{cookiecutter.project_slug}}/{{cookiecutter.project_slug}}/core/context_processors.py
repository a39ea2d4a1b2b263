from django.conf import settings
from django.urls import reverse


def site(request):
    """The site name and the navigation links every page shows."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_links": [(label, reverse(name)) for label, name in settings.NAV_LINKS],
    }
