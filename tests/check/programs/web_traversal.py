"""A web server that serves files from outside its folder (one bug).

file_for() joins the decoded path to the folder and never checks where it leads, so
``GET /../../../etc/passwd`` (or ``%2e%2e/``) climbs out.
"""

import os
from urllib.parse import unquote

from web_correct import ROOT, WebHandler, serve


class TraversalHandler(WebHandler):
    @classmethod
    def file_for(cls, target):
        path = unquote(target.split("?")[0]).lstrip("/")
        return os.path.join(ROOT, path)  # the bug: where '..' leads is never checked


if __name__ == "__main__":
    serve(TraversalHandler)
