"""Routes of the provider API (token per provider), under /api/provider/."""

urlpatterns: list = []
