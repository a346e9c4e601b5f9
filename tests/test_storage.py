"""Files really land in the S3 bucket (SeaweedFS) and leave it with their rows."""

from __future__ import annotations

import io
import zlib

import pytest
import requests
from botocore.exceptions import ClientError, EndpointConnectionError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image

from config.services import s3_storage
from gallery.models import File
from tests import images
from tests.factories import make_artwork
from tests.servers import free_ports

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


def png_bytes(size=(4, 3), kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def object_exists(s3, key: str) -> bool:
    try:
        s3.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def test_default_storage_is_the_s3_bucket(s3):
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello, bucket"))
    body = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=name)["Body"].read()
    assert body == b"hello, bucket"
    default_storage.delete(name)
    assert not object_exists(s3, name)


def make_file(owner, data: bytes, name: str = "picture.png", artwork=None) -> File:
    upload = File(owner=owner, artwork=artwork, file=ContentFile(data, name=name))
    upload.full_clean()
    upload.save()
    return upload


def test_an_uploaded_file_lands_in_the_bucket_under_a_random_key(s3, owner):
    upload = make_file(owner, png_bytes(), name="My Holiday.png")
    assert upload.mime_type == "image/png"
    assert upload.size == len(png_bytes())
    assert upload.filename == "My Holiday.png"
    assert upload.file.name.startswith("uploads/") and "Holiday" not in upload.file.name
    assert object_exists(s3, upload.file.name)


@pytest.mark.django_db(transaction=True)
def test_deleting_the_row_deletes_the_object(s3, owner):
    upload = make_file(owner, png_bytes())
    key = upload.file.name
    upload.delete()
    assert not object_exists(s3, key)


@pytest.mark.django_db(transaction=True)
def test_deleting_an_artwork_deletes_its_files_objects(s3, owner):
    artwork = make_artwork(owner)
    keys = [make_file(owner, png_bytes(), artwork=artwork).file.name for _ in range(2)]
    artwork.delete()
    assert not File.objects.exists()
    assert not any(object_exists(s3, key) for key in keys)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_delete_keeps_the_object(s3, owner):
    upload = make_file(owner, png_bytes())
    pk, key = upload.pk, upload.file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        upload.delete()
        raise RuntimeError("the request failed after the delete")
    assert File.objects.filter(pk=pk).exists()
    assert object_exists(s3, key)


@pytest.mark.parametrize(
    ("kind", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_the_type_is_sniffed_from_the_bytes_not_the_name(owner, kind, mime):
    upload = make_file(owner, png_bytes(kind=kind), name="no extension")
    assert upload.mime_type == mime


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a but not really", "a.gif", "not a PNG, JPEG, GIF or WebP image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg", "not a PNG, JPEG, GIF"),
        (b"", "empty.png", "The file is empty."),
        (b"plain text", "notes.png", "not a PNG, JPEG, GIF or WebP image"),
        (png_bytes(kind="PNG"), "photo.jpg", "ends in .jpg but the file is a PNG image"),
        (png_bytes(kind="GIF"), "page.html", "ends in .html but the file is a GIF image"),
        (images.with_zip_after(png_bytes()), "a.png", "holds more than an image"),
        (png_bytes(kind="GIF") + b"*/=alert(1)//", "a.gif", "holds more than an image"),
        (images.gif_with_script_comment(), "a.gif", "holds more than an image"),
        (png_bytes(kind="JPEG") + b"<html><body>hi", "a.jpg", "holds more than an image"),
        (images.animation(frames=5)[:-40], "cut.gif", "incomplete"),
        (png_bytes(size=(300, 200))[:-30], "cut.png", "incomplete"),
        (images.still(kind="JPEG")[:-300], "cut.jpg", "incomplete"),
        (images.still(kind="WEBP")[:-20], "cut.webp", "incomplete"),
        (images.png_with_damaged_pixels(), "damaged.png", "damaged and cannot be read"),
    ],
    ids=[
        "fake-gif", "svg", "empty", "text", "png-named-jpg", "gif-named-html", "png+zip",
        "gif+script", "gif-comment-script", "jpeg+html", "cut-gif", "cut-png", "cut-jpeg",
        "cut-webp", "damaged-pixels",
    ],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_is_stored(s3, owner, data, name, message):
    before = bucket_keys(s3)
    with pytest.raises(ValidationError) as caught:
        make_file(owner, data, name=name)
    assert message in " ".join(caught.value.message_dict["file"])
    assert not File.objects.exists()
    assert bucket_keys(s3) == before


def test_other_image_formats_are_refused(owner):
    with pytest.raises(ValidationError) as caught:
        make_file(owner, png_bytes(kind="BMP"), name="old.bmp")
    assert "BMP images are not accepted" in " ".join(caught.value.message_dict["file"])


def test_files_over_the_size_cap_are_refused(owner, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    # A valid PNG followed by padding: the size check must not depend on the content.
    big = png_bytes()
    big += b"\0" * (settings.UPLOAD_MAX_BYTES + 1 - len(big))
    with pytest.raises(ValidationError) as caught:
        make_file(owner, big)
    assert "larger than 1 MB" in " ".join(caught.value.message_dict["file"])


def bucket_keys(s3) -> set[str]:
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return {item["Key"] for item in listing.get("Contents", [])}


def test_a_failed_database_write_leaves_no_object(s3, owner):
    before = bucket_keys(s3)
    upload = File(owner=owner, file=ContentFile(png_bytes(), name="x.png"), filename="x.png")
    upload.mime_type, upload.size = "application/pdf", 10  # refused by a check constraint
    with pytest.raises(IntegrityError):
        upload.save()
    assert not File.objects.exists()
    assert bucket_keys(s3) == before


def test_a_failed_storage_write_leaves_no_row(owner, settings):
    (dead_port,) = free_ports(1)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket="nowhere", endpoint_url=f"http://127.0.0.1:{dead_port}"),
    }
    upload = File(owner=owner, file=ContentFile(png_bytes(), name="x.png"), filename="x.png")
    upload.mime_type, upload.size = "image/png", 10
    with pytest.raises(EndpointConnectionError):
        upload.save()
    assert not File.objects.exists()


def test_a_decompression_bomb_is_refused(owner):
    # A tiny file that declares 20000 x 20000 pixels.
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValidationError) as caught:
        make_file(owner, buffer.getvalue(), name="bomb.png")
    assert "too many pixels to convert" in " ".join(caught.value.message_dict["file"])


def test_the_pixel_cap_counts_every_frame(owner, settings):
    # Five frames of 80 x 40 are 16,000 pixels: over a cap of 15,000, under 16,000.
    settings.UPLOAD_MAX_PIXELS = 15_000
    with pytest.raises(ValidationError) as caught:
        make_file(owner, images.animation(frames=5), name="ball.gif")
    assert "16,000; the limit is 15,000" in " ".join(caught.value.message_dict["file"])
    settings.UPLOAD_MAX_PIXELS = 16_000
    assert make_file(owner, images.animation(frames=5), name="ball.gif").frame_count == 5


def test_a_phone_photo_with_a_second_picture_after_the_first_is_accepted(owner):
    # The Multi-Picture Format stores a preview JPEG after the main one.
    data = png_bytes(size=(40, 30), kind="JPEG") + png_bytes(size=(8, 6), kind="JPEG")
    assert make_file(owner, data, name="phone.jpg").mime_type == "image/jpeg"


def test_the_name_is_kept_for_display_only_and_cleaned(owner):
    upload = make_file(owner, png_bytes(), name="..\\holiday/\u202eevil\x07  shot .png")
    assert upload.filename == "evil shot.png"
    assert "evil" not in upload.file.name


def test_signed_urls_use_signature_version_4(s3):
    # Version 2 is refused by AWS regions opened since 2014 and by some S3 services.
    name = default_storage.save("probe/signed.txt", ContentFile(b"signed"))
    url = default_storage.url(name)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    assert "AWSAccessKeyId=" not in url
    assert requests.get(url, timeout=10).content == b"signed"
    default_storage.delete(name)


def test_no_cut_of_an_image_gets_past_the_checks_or_breaks_them(owner):
    # Every prefix of a small animation, a PNG and a JPEG: each one refused with a
    # message, never an exception of Pillow's own (a GIF cut inside its second frame
    # once raised IndexError).
    for data, name in [(images.animation(frames=2), "a.gif"), (png_bytes((9, 7)), "a.png"),
                       (png_bytes((9, 7), kind="JPEG"), "a.jpg")]:  # fmt: skip
        for end in range(len(data) - 1):
            with pytest.raises(ValidationError) as caught:
                make_file(owner, data[:end], name=name)
            assert caught.value.message_dict["file"], end
    assert not File.objects.exists()


def test_an_animation_of_too_many_tiny_frames_is_refused(owner):
    # 6,000 frames of 1 x 1: few pixels, but each frame costs a decode.
    frames = [Image.new("L", (1, 1), n % 2 * 255) for n in range(6000)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=20)
    with pytest.raises(ValidationError) as caught:
        make_file(owner, buffer.getvalue(), name="flicker.gif")
    assert "6,000 frames; the limit is 5,000" in " ".join(caught.value.message_dict["file"])


def test_a_sideways_photo_is_recorded_and_thumbnailed_upright(owner):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 200 x 50, upright 50 x 200
    buffer = io.BytesIO()
    Image.new("RGB", (200, 50), (90, 90, 90)).save(buffer, "JPEG", exif=exif)
    upload = make_file(owner, buffer.getvalue(), name="portrait.jpg")
    assert (upload.width, upload.height) == (50, 200)
    thumbnail = Image.open(io.BytesIO(bytes(upload.thumbnail)))
    assert thumbnail.height > thumbnail.width


def test_a_camera_jpeg_with_extra_pictures_is_a_jpeg_of_one_frame(owner):
    # Pillow calls it MPO: a JPEG, then more pictures (a preview, a second view).
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (40, 30), (200, 200, 200)), Image.new("RGB", (8, 6))
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    upload = make_file(owner, buffer.getvalue(), name="camera.jpg")
    assert (upload.mime_type, upload.frame_count, upload.kind) == ("image/jpeg", 1, "JPEG")
    assert upload.file.name.endswith(".jpg")


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    b'<?xpacket end="w"?>'
)


@pytest.mark.parametrize(
    "data",
    [
        images.png_carrying(images.png_chunk(b"tEXt", b"Comment\0<img src=x onerror=alert(1)>")),
        images.png_carrying(images.png_chunk(b"tEXt", b"c\0<meta http-equiv=refresh content=0>")),
        images.png_carrying(images.png_chunk(b"tEXt", b"c\0<form action=//evil></form>")),
        images.png_carrying(
            images.png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"<script>x</script>"))
        ),
        images.png_carrying(images.png_chunk(b"zIPp", images.zip_archive())),
        images.jpeg_with_segment(0xFE, b"<a href=javascript:alert(1)>click</a>"),
        images.jpeg_with_segment(0xE5, images.zip_archive()),
        images.gif_with_extension(0xFF, b"XXXXXXXX1.0<iframe/src=javascript:alert(1)>"),
        images.gif_with_extension(0xFE, b"<b onmouseover=alert(1)>hi</b>"),
    ],
    ids=["png-text-img", "png-text-meta", "png-text-form", "png-ztxt-script", "png-chunk-zip",
         "jpeg-comment-link", "jpeg-app-zip", "gif-app-iframe", "gif-comment-tag"],
)  # fmt: skip
def test_markup_or_another_file_inside_the_metadata_is_refused(owner, data):
    with pytest.raises(ValidationError) as caught:
        make_file(owner, data, name="x")
    assert "holds more than an image" in " ".join(caught.value.message_dict["file"])


@pytest.mark.parametrize(
    "data",
    [
        images.png_carrying(images.png_chunk(b"tEXt", b"Software\0GIMP 2.10 (a < b)")),
        images.png_carrying(images.png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP)),
        images.png_carrying(images.png_chunk(b"iDOT", b"\0" * 28)),  # Apple screenshots
        images.jpeg_with_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP),
        images.jpeg_with_segment(0xFE, b"Created with GIMP"),
        images.gif_with_extension(0xFE, b"made by a drawing program"),
    ],
    ids=["png-software", "png-xmp", "png-apple", "jpeg-xmp", "jpeg-comment", "gif-comment"],
)
def test_ordinary_metadata_is_accepted(owner, data):
    assert make_file(owner, data, name="x").mime_type.startswith("image/")
