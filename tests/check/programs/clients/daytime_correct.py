"""A daytime client written the way a student does, and correctly.

It reads until the server closes the connection, which is how a daytime server says the
reply is complete, and only then picks the date and the time out of the NIST line.

Usage: python daytime_correct.py HOST PORT
"""

import socket
import sys

host = sys.argv[1]
port = int(sys.argv[2])

connection = socket.create_connection((host, port))
reply = b""
while True:
    data = connection.recv(1024)
    if not data:  # the server closed the connection: the reply is complete
        break
    reply += data
connection.close()

fields = reply.decode().split()
print("Date is %s, time is %s (UTC)" % (fields[1], fields[2]))
