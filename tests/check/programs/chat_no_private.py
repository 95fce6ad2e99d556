"""A chat server that never got round to PRIVATE (one bug).

The correct server, except that its command() does not know PRIVATE: the command is
ignored, and so is the line with the content after it (an unknown command too).
"""

from chat_correct import ChatHandler, serve


class NoPrivateHandler(ChatHandler):
    def command(self, line):
        if line.startswith("PRIVATE"):
            return  # the bug: not written yet
        super().command(line)


if __name__ == "__main__":
    serve(NoPrivateHandler)
