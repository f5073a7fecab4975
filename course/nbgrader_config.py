"""nbgrader settings for the chapter-5 course; nbgrader reads them when it runs here.

Run every nbgrader command from this folder (course/). The assignments are made
from the chapter's notebooks by build.py: see its docstring for the whole cycle.
"""

c = get_config()  # noqa: F821 (nbgrader provides get_config)

# Names the course in the gradebook and in the exchange (if one is used).
c.CourseDirectory.course_id = "d2lmini-chapter05"

# Seconds one cell may run while autograding. Every notebook of the chapter runs
# in well under 20 s, so this only stops a submission that hangs (an endless
# loop); it matches the limit the chapter's own tests use.
c.Execute.timeout = 120

# The gradebook (gradebook.db) and the source/, release/, submitted/,
# autograded/ and feedback/ folders live here, beside this file (the
# defaults). On a shared JupyterHub the exchange folder is set by the hub's
# administrator (c.Exchange.root); nothing here needs changing for it.

# nbgrader gives no points to a test cell that writes to stderr, and a Python
# warning does: a correct answer that, say, initializes a network twice would
# lose marks for a warning meant as advice. While autograding, warnings are off.
c.Execute.extra_arguments = [
    "--InteractiveShellApp.exec_lines="
    "import warnings; warnings.simplefilter('ignore')"]
