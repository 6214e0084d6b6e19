"""Routes of the offering and provider management pages (administrators, intake teams)."""

urlpatterns: list = []
