"""The public help finder: filters, feature-store query, texts for people.

Framework-free (no Flask, no ``ckan.plugins``): ``views/finder.py`` adapts
requests to these functions. Modules:

* ``filters`` — a plain dict of GET parameters → ``Filters`` (or ``FilterError``)
* ``query``   — the feature store rows that match (bound parameters only)
* ``present`` — one row → what the list, the map and the detail page show
  (hours in plain words via ``offers.hours``, alerts, links), and the time
  filters ("jetzt geöffnet", "heute Nacht") for an injectable clock
* ``protected`` — what may be shown of protected (``hidden``) offers
"""
