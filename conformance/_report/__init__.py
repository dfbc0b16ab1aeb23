"""The published support table: merge run documents from many platforms and render them.

``conformance report RUN.json... -o DIR`` writes ``index.html`` (one self-contained page),
``support-table.md``, ``support.json``, ``support.csv`` and ``plots/*.svg``; ``conformance diff OLD NEW``
says what changed between two sets of results. The modules:

- :mod:`.merge`: load and validate run documents, merge them per platform (every problem reported);
- :mod:`.table`: the table's model (columns runtime x OS, summaries, scores, agreement with threads);
- :mod:`.diff`, :mod:`.history`: changes between two result sets, and each cell's transitions over time;
- :mod:`.predictions`: predictions the runs confirmed or refuted, and those for OSes no input ran;
- :mod:`.view`: what the page and the Markdown show, built once from the model (labels, looks, links,
  reproducer commands, scores, legends); the renderers only format it;
- :mod:`.render_html` (``templates/index.html.j2`` and a template per section), :mod:`.render_markdown`,
  :mod:`.export`, :mod:`.plots` (the measurements scenarios declare in ``PLOTS``): the outputs;
- :mod:`.build`: writes them all, and :mod:`.command` is the command line.
"""

from __future__ import annotations
