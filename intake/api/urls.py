"""Routes of the intake REST API, under /api/."""

urlpatterns: list = []
