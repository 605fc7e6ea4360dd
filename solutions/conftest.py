"""nbval runs every lesson: ``solutions/NN-name/name.md`` is read as its nbgrader source notebook.

This hook lives here because pytest calls a conftest's ``pytest_collect_file`` only for files under that
conftest's own folder: the same hook in ``tests/conftest.py`` never sees ``solutions/`` (and so, before this
file, ``pytest solutions`` collected nothing and passed).
"""
import nbformat

from course.lessons import RUN_ALL_TAG, read_lesson
from course.paths import checkout

ROOT = checkout()
#: Where the lesson texts become notebooks for nbval (git-ignored).
LESSON_NOTEBOOKS = ROOT / "build" / "lessons"


def pytest_collect_file(file_path, parent):
    if file_path.suffix != ".md" or file_path.parent.parent != ROOT / "solutions":
        return None
    if not (parent.config.option.nbval or parent.config.option.nbval_lax):
        return None
    from nbval.plugin import IPyNbFile
    target = LESSON_NOTEBOOKS / file_path.parent.name / (file_path.stem + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    nb = read_lesson(file_path)
    for cell in nb.cells:  # in the source every check must pass: nbval must not excuse an error
        if RUN_ALL_TAG in cell.metadata.get("tags", []):
            cell.metadata["tags"].remove(RUN_ALL_TAG)
    nbformat.write(nb, target)
    return IPyNbFile.from_parent(parent, path=target)
