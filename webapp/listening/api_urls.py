"""The ListenBrainz-compatible API, mounted under /1/ by webapp.urls.

Built on django-ninja (webapp.listening.api.app); every URL goes through api.http's wrapper
for CORS, rate limits and JSON errors, and unknown /1/ paths answer ListenBrainz's JSON 404.
To add an endpoint, add a function to a ninja Router and pass the router to api_build.
"""

from webapp.listening.api.app import NAMESPACE, api_build
from webapp.listening.api.http import api_urlpatterns
from webapp.listening.api.views import router as listens_router

app_name = NAMESPACE
api = api_build(routers=[listens_router])
urlpatterns = api_urlpatterns(api.urls[0])
