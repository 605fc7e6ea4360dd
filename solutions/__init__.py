"""The authored lessons (MyST text, one folder per module). A package only so that pytest imports
``solutions/conftest.py`` as ``solutions.conftest``, beside ``tests/conftest.py`` rather than in its place."""
