"""A web server whose Content-Length counts characters, not bytes (one bug).

The page was read as text (``open(path).read()``) and measured with len(): for a page
with letters like 'é' or '—' the header promises fewer bytes than are sent.
"""

from web_correct import WebHandler, serve


class CharacterLengthHandler(WebHandler):
    @classmethod
    def content_length(cls, body):
        return len(body.decode("utf-8", "replace"))  # the bug: characters, not bytes


if __name__ == "__main__":
    serve(CharacterLengthHandler)
