"""The course paper's chat client (Figure 5) in Python 3.

The second thread splits each recv() on newlines and handles every complete line, so
several lines that arrive together are all shown; but a line that arrives in pieces is
lost or garbled (each piece is handled as if it were whole), and an empty piece line
crashes the thread. MESSAGE is sent without a newline, as in the paper.

Usage: python chat_paper.py HOST PORT
"""

import sys
from socket import socket
from threading import Thread

server = socket()
server.connect((sys.argv[1], int(sys.argv[2])))
username = input('What is your name: ').strip()
server.send(('ADD %s\n' % username).encode())


class Incoming(Thread):
    def run(self):
        stillChatting = True
        while stillChatting:
            incoming = server.recv(1024).decode()  # wait for more news
            lines = incoming.split('\n')[:-1]
            i = 0
            while i < len(lines):
                command = lines[i].split()[0]
                param = lines[i][len(command) + 1:]
                if command == 'GOODBYE':
                    stillChatting = False
                elif command == 'NEW':
                    print('==>', param, 'has joined the chat room')
                elif command == 'LEFT':
                    print('==>', param, 'has left the chat room')
                elif command == 'MESSAGE':
                    i += 1  # need next line for content
                    print('==>', param + ': ' + lines[i])
                elif command == 'PRIVATE':
                    i += 1  # need next line for content
                    print('==> [private]', param + ': ' + lines[i])
                i += 1


incomingThread = Incoming()
incomingThread.start()

active = True  # main thread for user input
while active:
    message = input()  # wait for more user input
    if message.strip():
        if message.rstrip().lower() == 'quit':
            server.send('QUIT\n'.encode())
            active = False
        elif message.split()[0].lower() == 'private':
            colon = message.index(':')
            friend = message[7:colon].strip()
            server.send(('PRIVATE %s\n%s\n' % (friend, message[1 + colon:])).encode())
        else:
            server.send(('MESSAGE ' + message).encode())
