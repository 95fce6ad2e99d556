"""An echo server that serves one client at a time (one bug).

The handler is the correct one; the server is ``socketserver.TCPServer`` instead of
``ThreadingTCPServer``, so while one client stays connected the next one waits.
"""

import socketserver

from echo_correct import serve

if __name__ == "__main__":
    serve(socketserver.TCPServer)
