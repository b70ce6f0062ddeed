"""The project's URLs plus the assessment pages, unless ``yiyang/urls.py`` already includes them.

Wiring line for yiyang/urls.py: ``path("", include("yiyang.assessments.urls")),``
"""

from django.urls import URLResolver, include, path

from yiyang import urls as project_urls

_mounted = any(isinstance(p, URLResolver) and p.namespace == "assessments" for p in project_urls.urlpatterns)
urlpatterns = [*project_urls.urlpatterns] + (
    [] if _mounted else [path("", include("yiyang.assessments.urls"))]
)
handler404 = project_urls.handler404
handler403 = project_urls.handler403
handler500 = project_urls.handler500
