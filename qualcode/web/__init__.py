"""The browser workspace (`qualcode serve`)."""
