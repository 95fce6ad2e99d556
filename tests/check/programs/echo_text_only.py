"""An echo server that turns the bytes into text and back (one bug).

``data.decode()`` raises UnicodeDecodeError for bytes that are not UTF-8, which ends the
handler (socketserver closes that connection), so binary data never comes back.
"""

from echo_correct import EchoHandler, serve


class TextEchoHandler(EchoHandler):
    def echo(self, data):
        text = data.decode()  # the bug: not every byte sequence is text
        self.request.sendall(text.encode())


if __name__ == "__main__":
    serve(handler=TextEchoHandler)
