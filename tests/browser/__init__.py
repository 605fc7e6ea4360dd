"""Real-browser tests: JupyterLab in Debian's headless Chromium, driven by Playwright.

A package (not a loose folder) so that this folder's ``conftest.py`` does not shadow
``tests/conftest.py``, which other test files import as ``conftest``.
"""
