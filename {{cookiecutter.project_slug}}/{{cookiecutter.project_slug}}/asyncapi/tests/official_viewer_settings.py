"""The test settings with the docs page on the official viewer, served by the site from an npm-installed copy.

test_browser_docs.py points ASYNCAPI_VIEWER_DIR at the unpacked @asyncapi/react-component package and
starts the server with these settings; the bundle is then a static file, as a self-hosting site would have it.
"""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import CHANNELS_SPECTACULAR_SETTINGS, STATICFILES_DIRS

STATICFILES_DIRS = [*STATICFILES_DIRS, ("asyncapi-react", os.environ["ASYNCAPI_VIEWER_DIR"])]
CHANNELS_SPECTACULAR_SETTINGS = {
    **CHANNELS_SPECTACULAR_SETTINGS,
    "VIEWER": "asyncapi-react",
    "VIEWER_JS_URL": "asyncapi-react/browser/standalone/index.js",
    "VIEWER_CSS_URL": "asyncapi-react/styles/default.min.css",
}
