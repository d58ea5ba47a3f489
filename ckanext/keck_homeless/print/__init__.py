"""QR codes and the printable flyer.

``qr``, ``urls`` and ``flyer`` are framework-free (no CKAN imports): they
take plain values and return bytes or strings. ``source`` reads the offers
and the configuration from CKAN; ``commands`` holds the click commands;
``views/printing.py`` is the Flask glue.
"""
