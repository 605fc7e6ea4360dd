"""KAP for Anxiety: the course's machinery, imported by every module notebook.

Educational material only: nothing here is clinical decision support, and no function recommends a dose
or a treatment for a person.

Layers, bottom to top (tests/test_layers.py holds the code to them):

- ``paths``, ``validation``: where files are; input checks with plain-language errors.
- ``data``, ``lessons``, ``nbcourse``, ``theme``, ``startpage``, ``labserver``: reading the data files (each
  checked against its schema), the lesson texts, nbgrader course folders, the course look, the start page, the
  Jupyter server extension that serves plotly's widget code.
- clinical logic: ``scales``, ``screening``, ``dosing``, ``integration``, ``outcomes``, ``cases``,
  ``answer_checks`` (what check cells call), ``variants`` (each trainee's case numbers), ``itembank`` and
  ``quizzes`` (pre-test, post-test, boosters), ``evaluation`` (the participants' evaluation form).
- ``plots``, then ``widgets``; ``cohort`` beside them (it imports neither), and ``selfstudy`` (the workspace
  ``make lab`` serves).
- ``authoring`` (build, start page) and ``synthetic`` (dataset generators, never imported at run time);
  ``cli`` on top.
"""

__version__ = "0.2.0"
