"""labsuite: a desktop network-programming lab for students."""

__version__ = "0.1.0"
