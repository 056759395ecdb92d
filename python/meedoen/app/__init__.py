"""``meedoen app``: a local web app in which a policymaker builds a scenario, runs it against the
baseline and takes the result away (the scenario file, the results file, the HTML report).

Built on Shiny for Python (docs/guide/app.md says why). ``scenario`` turns the form into a
scenario file and checks it with the engine; ``job`` runs it in a thread that can be stopped;
``ui`` is the page and the server of each browser tab; ``serve`` starts it.
"""

from meedoen.app.serve import serve

__all__ = ["serve"]
