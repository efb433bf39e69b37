"""Downloads: every request is checked against the owner's rule (attachments.access), also for
thumbnails, and gets the same 404 as a missing file when the person may not read it (anonymous
people included: a sign-in page would tell that the file exists).

The app does not stream the bytes in production: with settings.PUENTE_ATTACHMENT_ACCEL_REDIRECT set
(a path prefix that nginx maps, `internal`, onto the storage folder: deploy/nginx.conf) it answers
with X-Accel-Redirect and nginx sends the file; with object storage (S3) it redirects to a signed URL
that lives PUENTE_ATTACHMENT_URL_SECONDS; on a laptop it streams from the file system.

Documents are always downloads (Content-Disposition: attachment), never rendered by the site; every
answer carries nosniff and a CSP that sandboxes whatever a browser might still render."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from attachments import access, selectors, services
from attachments.models import Attachment
from attachments.services import storage

SANDBOX_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
VARIANTS = {"": "file", "small": "thumb_small", "large": "thumb_large"}


def _headers(response, *, attachment, variant: str, etag: str):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Private and revalidated every time: the check above runs on every use, and an unchanged file
    # costs a 304 (the bytes behind a key never change).
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = etag
    if variant:
        response["Content-Disposition"] = "inline"
    else:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=not attachment.is_image, filename=attachment.name
        )
    return response


@require_http_methods(["GET", "HEAD"])
def download(request, key, variant=""):
    if variant not in VARIANTS:
        raise Http404
    attachment = selectors.attachment_for_download(user=request.user, key=key)
    name = getattr(attachment, VARIANTS[variant])
    if not name:
        raise Http404
    etag = f'"{attachment.key}-{variant or "file"}"'
    content_type = "image/webp" if variant else attachment.content_type
    if etag in request.headers.get("If-None-Match", ""):
        return _headers(HttpResponseNotModified(), attachment=attachment, variant=variant, etag=etag)
    accel = settings.PUENTE_ATTACHMENT_ACCEL_REDIRECT
    store = storage()
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + name
        return _headers(response, attachment=attachment, variant=variant, etag=etag)
    if not isinstance(store, FileSystemStorage):
        # Object storage: a signed URL that expires soon (django-storages' querystring auth), which tells the
        # storage to answer with the type and the disposition a download from this site has.
        disposition = "inline" if variant else content_disposition_header(
            as_attachment=not attachment.is_image, filename=attachment.name)
        response = HttpResponseRedirect(store.url(name, parameters={
            "ResponseContentType": content_type, "ResponseContentDisposition": disposition,
            "ResponseCacheControl": "private, no-cache"}))
        response["Cache-Control"] = "private, no-store"  # the signed URL is this person's, for a short while
        return response
    try:
        handle = store.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    return _headers(response, attachment=attachment, variant=variant, etag=etag)


@require_POST
def remove(request, key):
    """A facilitator (or the person who shared it) takes a file down; back to where it was shown."""
    if not request.user.is_authenticated:
        raise Http404
    attachment = Attachment.objects.filter(key=key, removed_at__isnull=True).first() if len(key) <= 32 else None
    if attachment is None or (not access.may_read(
        user=request.user, owner_type=attachment.owner_type, owner_id=attachment.owner_id
    ) and not access.may_moderate(user=request.user, owner_type=attachment.owner_type, owner_id=attachment.owner_id)):
        raise Http404
    try:
        services.attachment_remove(attachment=attachment, acting_user=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The file was removed."))
    rules = access.rules_for(attachment.owner_type)
    back = rules.url(attachment.owner_id) if rules and rules.url else "/"
    return redirect(back)
