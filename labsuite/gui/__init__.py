"""The Tk window: tabs, shared widgets and the event pump (the only package that imports tkinter)."""
