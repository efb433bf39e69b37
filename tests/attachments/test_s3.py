"""Attachments in S3-compatible object storage (ATTACHMENTS_S3_BUCKET, docs/DEPLOY.md "Files"), against
moto's in-process S3: files are stored in the private bucket, a download is a redirect to a short-lived
signed URL that makes the storage answer as this site would (a document is a download, never shown), and
a file taken down leaves the bucket."""

import time
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws

from attachments import services as attachment_services
from attachments.models import Attachment
from messaging import services
from tests.attachments import files as f

BUCKET = "puente-adjuntos"


@pytest.fixture
def s3(settings):
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket=BUCKET)
        storages = dict(settings.STORAGES)
        storages["attachments"] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "region_name": "us-east-1", "access_key": "test", "secret_key": "test",
                        "default_acl": "private", "querystring_auth": True, "querystring_expire": 60,
                        "file_overwrite": False},
        }
        settings.STORAGES = storages
        yield client


def expires_in(query) -> int:
    """Seconds the signed URL lives (signature version 4 says it; version 2 gives the moment)."""
    if "X-Amz-Expires" in query:
        return int(query["X-Amz-Expires"][0])
    return int(query["Expires"][0]) - int(time.time())


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_files_go_to_the_bucket_and_downloads_are_signed_urls_that_say_download(
        client, s3, general, ana, mateo, django_capture_on_commit_callbacks):
    photo, sheet = f.photo(), f.pdf()
    message = services.message_post(room=general, author=ana, body="Ficha y foto",
                                     files=[f.upload("lote.jpg", photo), f.upload("ficha técnica.pdf", sheet)])
    image, document = Attachment.objects.filter(owner_id=message.pk).order_by("position")
    assert keys(s3) == {image.file, image.thumb_small, image.thumb_large, document.file}
    assert s3.get_object(Bucket=BUCKET, Key=document.file)["Body"].read() == sheet
    grantees = [grant["Grantee"].get("URI", "") for grant in s3.get_object_acl(Bucket=BUCKET, Key=document.file)["Grants"]]
    assert not [uri for uri in grantees if uri.endswith(("/AllUsers", "/AuthenticatedUsers"))]  # private

    client.force_login(mateo)
    response = client.get(reverse("attachments:download", args=[document.key]))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert BUCKET in url.netloc + url.path and document.file in url.path
    assert 50 <= expires_in(query) <= 60 and ({"Signature", "X-Amz-Signature"} & set(query))
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    thumb = parse_qs(urlsplit(client.get(reverse("attachments:thumbnail", args=[image.key, "small"]))["Location"]).query)
    assert thumb["response-content-type"] == ["image/webp"] and thumb["response-content-disposition"] == ["inline"]

    # Outsiders get no URL at all; a file taken down leaves the bucket.
    client.logout()
    assert client.get(reverse("attachments:download", args=[document.key])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.attachment_remove(attachment=document, acting_user=ana)
    assert keys(s3) == {image.file, image.thumb_small, image.thumb_large}
