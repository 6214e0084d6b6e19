from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import api
from org import views as org_views
from portfolio import views as portfolio_views

urlpatterns = [
    path("", portfolio_views.home, name="home"),
    path("healthz", org_views.healthz, name="healthz"),
    path(
        "logg-inn/",
        auth_views.LoginView.as_view(
            template_name="org/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("intake.urls")),
    path("", include("providers.urls")),
    path("portefolje/", include("portfolio.urls")),
    path("dashbord/", include("portfolio.urls_dashboard")),
    path("tilgangslogg/", include("audit.urls")),
    path("import/", include("imports.urls")),
    path("api/provider/", include("providers.api.urls")),
    path("api/provider/", include("intake.api_provider.urls")),
    path("api/", include("intake.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL of its own: no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    # Last of the API's routes: what none of them matched is answered in JSON, too.
    re_path(r"^api/(?:.*/)?$", api.not_found),
    path("admin/", admin.site.urls),
]

handler400 = "org.views.bad_request"
handler404 = "org.views.not_found"
handler500 = "org.views.server_error"
