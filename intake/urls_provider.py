"""Routes of the provider portal pages about participants."""

urlpatterns: list = []
