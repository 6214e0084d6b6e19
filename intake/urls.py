from intake import urls_caseworker, urls_provider, urls_review

urlpatterns = urls_caseworker.urlpatterns + urls_review.urlpatterns + urls_provider.urlpatterns
