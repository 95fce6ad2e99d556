"""A web server that ends the lines of its head with "\\n" alone (one bug).

Browsers forgive it; HTTP says every line of the head ends with "\\r\\n".
"""

from web_correct import WebHandler, serve


class BareNewlineHandler(WebHandler):
    LINE_END = "\n"  # the bug: HTTP needs "\r\n"


if __name__ == "__main__":
    serve(BareNewlineHandler)
