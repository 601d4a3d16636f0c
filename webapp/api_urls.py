"""The ListenBrainz-compatible API, mounted under /1/ by webapp.urls.

Built on django-ninja (webapp.listening.api.app); every URL goes through api.http's wrapper
for CORS, rate limits and JSON errors, and unknown /1/ paths answer ListenBrainz's JSON 404.
Assembled here, above the apps, so listening never imports the apps that add endpoints: a
new endpoint is a function on a ninja Router passed to api_build below.
"""

from webapp.listening.api.app import NAMESPACE, api_build
from webapp.listening.api.http import api_urlpatterns
from webapp.listening.api.views import router as listens_router
from webapp.playlists.api import router as playlists_router

app_name = NAMESPACE
api = api_build(routers=[listens_router, playlists_router])
urlpatterns = api_urlpatterns(api.urls[0])
