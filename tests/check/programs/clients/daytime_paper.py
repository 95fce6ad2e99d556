"""The course paper's time client (Figure 1) in Python 3: one recv(1024) is the reply.

On one computer the whole line arrives in that one recv() and all is well; when the reply
comes in pieces, recv() returns only the first of them, and picking fields 1 and 2 out
of it fails (or prints a part of the time).

Usage: python daytime_paper.py HOST PORT
"""

import sys
from socket import socket

connection = socket()
connection.connect((sys.argv[1], int(sys.argv[2])))

fields = connection.recv(1024).decode().split()
date = fields[1]
time = fields[2]

print('Date is %s, time is %s (UTC)' % (date, time))
