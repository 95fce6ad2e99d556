"""Get: downloads a web page (the URL given, or this server's), shows its headers, saves it."""

import http.client
import os
import shutil
import sys
import urllib.error
import urllib.request
from urllib.parse import unquote, urlsplit

# The server asked when no URL is given (python get.py http://example.com/ asks another).
HOST = "127.0.0.1"
PORT = 8080


def show(response):
    print(response.status, response.reason)  # the status line, e.g. 200 OK
    for name, value in response.headers.items():
        print(f"{name}: {value}")


def main():
    host = f"[{HOST}]" if ":" in HOST else HOST  # an IPv6 address goes in brackets
    url = sys.argv[1] if len(sys.argv) > 1 else f"http://{host}:{PORT}/"
    try:
        # Connects, sends "GET /path HTTP/1.1" and the headers, reads the response
        # head, and follows redirects.
        with urllib.request.urlopen(url, timeout=10) as response:
            show(response)
            # Saved under the last part of the path, in this folder: never a hidden
            # name, and never over a file that is already there ("x" mode).
            name = os.path.basename(unquote(urlsplit(url).path)).lstrip(".") or "index.html"
            with open(name, "xb") as file:
                # A piece at a time, until the server has sent the whole body.
                shutil.copyfileobj(response, file)
            print(f"Saved {os.path.getsize(name)} bytes to {name}")
    except urllib.error.HTTPError as error:  # the server answered with an error (404...)
        show(error)
        sys.exit(1)
    except FileExistsError:
        sys.exit(f"{name} is already here: move it away first, it was not overwritten.")
    except (OSError, ValueError, http.client.HTTPException) as error:
        # no connection, a wrong URL, a body cut short, no room on the disk
        sys.exit(f"Could not download {url}: {error}")


if __name__ == "__main__":
    main()
