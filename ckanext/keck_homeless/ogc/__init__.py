"""OGC services over the feature store (WFS 2.0/1.1, WMS, OGC API - Features).

Framework-free: every handler takes an :class:`ckanext.keck_homeless.ogc.ows.OWSRequest`
(or plain arguments) and returns ``(status, headers, body)``; ``views/ogc.py``
is the only Flask glue.
"""
