"""Reports for people: tables, figures, HTML pages and the progress bar.

The core never imports this package.

- :mod:`~dispatch.report.summary`: tables of the district, stations, clusters, sweeps;
- :mod:`~dispatch.report.plot`: the cluster map, response curves, sweep charts
  (the ``plot`` extra);
- :mod:`~dispatch.report.html`: self-contained HTML reports;
- :mod:`~dispatch.report.progressbar`: a bar drawn from progress callbacks.
"""
