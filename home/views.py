from django.shortcuts import render
from django.views.decorators.http import require_safe

from clusters import views as cluster_views
from clusters.nav import with_superuser
from home.selectors import home_for
from infra.cache import read_many
from messaging import header


@require_safe
def home(request):
    """Visitors get the page that explains Puente; a signed-in person gets their own home: what waits
    for them, by role."""
    if not request.user.is_authenticated:
        return cluster_views.home(request)
    values = read_many(header.entries(request.user))
    header.keep(request, values)
    bits = with_superuser(values[1], request.user)
    home = home_for(user=request.user, agency_staff=bits["agency_staff"], firm_id=bits.get("active_firm_id"))
    return render(request, "home/home.html", {"home": home})
