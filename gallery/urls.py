"""The gallery's URLs, grouped by area (DESIGN.md lists the public shapes; keep them)."""

from django.urls import include, path

from gallery import (
    export_views,
    feeds,
    share_views,
    sitemaps,
    studio_views,
    upload_views,
    views,
)

app_name = "gallery"

# /a/<id>/ an artwork, by its random public id, and what hangs off it
artwork_urls = [
    path("", views.artwork, name="artwork"),
    path("frames.json", views.artwork_frames, name="artwork_frames"),
    path("like/", views.like, name="like"),
    path("embed/", share_views.artwork_embed, name="artwork_embed"),
    path("remix/", studio_views.artwork_remix, name="remix"),
    path("export.<str:fmt>", export_views.export, name="export"),
]

# /s/<code>/ share links, by their secret code
share_urls = [
    path("", share_views.share, name="share"),
    path("embed/", share_views.share_embed, name="share_embed"),
]

# /studio/a/<id>/ one of the creator's own artworks
studio_artwork_urls = [
    path("edit/", studio_views.artwork_edit, name="studio_edit"),
    path("delete/", studio_views.artwork_delete, name="studio_delete"),
    path("visibility/", studio_views.artwork_visibility, name="studio_visibility"),
    path("shares/", studio_views.artwork_shares, name="studio_shares"),
]

# /studio/collections/<id>/ one of the creator's own collections
studio_collection_urls = [
    path("", studio_views.collection_edit, name="studio_collection"),
    path("delete/", studio_views.collection_delete, name="studio_collection_delete"),
    path(
        "items/<int:item_id>/remove/",
        studio_views.collection_remove,
        name="studio_collection_remove",
    ),
    path("items/<int:item_id>/move/", studio_views.collection_move, name="studio_collection_move"),
]

# /studio/files/<pk>/ one of the creator's uploads
studio_file_urls = [
    path("", upload_views.file_convert, name="studio_file"),
    path("preview", upload_views.file_preview, name="studio_file_preview"),
    path("download", upload_views.file_download, name="studio_file_download"),
    path("thumbnail", upload_views.file_thumbnail, name="studio_file_thumbnail"),
    path("delete/", upload_views.file_delete, name="studio_file_delete"),
]

# /studio/ the creator's own work
studio_urls = [
    path("", studio_views.studio, name="studio"),
    path("new/", studio_views.artwork_create, name="studio_new"),
    path("generate/", studio_views.generate, name="studio_generate"),
    path("generations/", studio_views.generations, name="studio_generations"),
    path("generations/<int:pk>/", studio_views.generation_progress, name="studio_generation"),
    path(
        "generations/<int:pk>/status",
        studio_views.generation_status,
        name="studio_generation_status",
    ),
    path("a/<str:public_id>/", include(studio_artwork_urls)),
    path("shares/<int:pk>/revoke/", studio_views.share_revoke, name="studio_share_revoke"),
    path("files/", upload_views.files, name="studio_files"),
    path("files/<int:pk>/", include(studio_file_urls)),
    path("collections/", studio_views.collections, name="studio_collections"),
    path("collections/add/", studio_views.collection_add, name="studio_collection_add"),
    path("collections/<str:public_id>/", include(studio_collection_urls)),
]

urlpatterns = [
    # / the gallery: latest, trending, featured, search
    path("", views.home, name="home"),
    path("a/<str:public_id>/", include(artwork_urls)),
    # /c/<id>/ collections
    path("c/<str:public_id>/", views.collection, name="collection"),
    path("s/<str:code>/", include(share_urls)),
    # /oembed for sites that unfurl artwork links
    path("oembed", share_views.oembed, name="oembed"),
    # Feeds, sitemaps and robots.txt: what readers and search engines fetch
    path("feed.atom", feeds.latest, name="feed"),
    path("u/<str:username>/feed.atom", feeds.profile, name="profile_feed"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<str:section>.xml", sitemaps.section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("studio/", include(studio_urls)),
]
