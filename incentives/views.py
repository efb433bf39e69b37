from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def wallet(request):
    return HttpResponse("")


@login_required
def program_detail(request, agency_slug, program_id):
    return HttpResponse("")
