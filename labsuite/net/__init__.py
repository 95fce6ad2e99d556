"""Servers and clients: sockets, threads and timeouts, reporting events to a callback."""
