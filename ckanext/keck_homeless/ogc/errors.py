"""Typed OWS exceptions, rendered once as an OWS ``ExceptionReport``.

Raise one of the subclasses anywhere in ``ogc/``; the dispatcher
(:mod:`ckanext.keck_homeless.ogc.ows`) catches :class:`OWSException` and calls
:meth:`OWSException.render` with the protocol version of the request:

* WFS 2.0.0 / OWS 1.1 → ``ows:ExceptionReport version="2.0.0"`` (OWS 1.1 namespace)
* WFS 1.1.0           → ``ows:ExceptionReport version="1.0.0"`` (OWS 1.0 namespace)
* WMS                 → the WMS engineer renders ``ServiceExceptionReport`` from
                        :attr:`code`, :attr:`locator`, :attr:`text` (see ``render_wms``).

Texts are machine-facing but read by people debugging a client: German
first, then English, in one string — ``"Deutsch / English"`` — the same in
WFS, WMS and OGC API answers, whatever the request's language. Example::

    raise InvalidParameterValue("COUNT muss eine positive ganze Zahl sein / "
                                "must be a positive integer", locator="COUNT")

Every subclass carries the OGC ``exceptionCode`` and the HTTP status the OGC
standards (OWS Common 2.0 table 28, WFS 2.0 §7.5) prescribe. Texts shown to
clients must never contain stack traces or SQL.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

OWS11_NS = "http://www.opengis.net/ows/1.1"
OWS10_NS = "http://www.opengis.net/ows"


class OWSException(Exception):
    """Base class. ``code`` is the OGC exceptionCode, ``status`` the HTTP status."""

    code = "NoApplicableCode"
    status = 400

    def __init__(self, text: str, locator: str | None = None, status: int | None = None):
        super().__init__(text)
        self.text = text
        self.locator = locator
        if status is not None:
            self.status = status

    def extra_headers(self) -> dict:
        return {}

    # -- rendering -------------------------------------------------------
    def render(self, version: str | None = "2.0.0") -> tuple[int, dict, bytes]:
        """OWS ExceptionReport for WFS (``version`` of the *request*)."""
        # Texts are "Deutsch / English" (the WMS and OGC API use the same
        # texts), so the report declares no single language (the attribute
        # is optional in OWS 1.0 and 1.1).
        if version and version.startswith("1."):
            ns, report_version = OWS10_NS, "1.0.0"
        else:
            ns, report_version = OWS11_NS, "2.0.0"
        schema = ("http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd" if ns == OWS10_NS
                  else "http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd")
        locator = f" locator={quoteattr(self.locator)}" if self.locator else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ows:ExceptionReport xmlns:ows="{ns}" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{ns} {schema}" version="{report_version}">\n'
            f'  <ows:Exception exceptionCode="{self.code}"{locator}>\n'
            f"    <ows:ExceptionText>{escape(self.text)}</ows:ExceptionText>\n"
            "  </ows:Exception>\n"
            "</ows:ExceptionReport>\n"
        )
        headers = {"Content-Type": "application/xml; charset=UTF-8", **self.extra_headers()}
        return self.status, headers, body.encode("utf-8")

    def render_wms(self, version: str | None = "1.3.0") -> tuple[int, dict, bytes]:
        """WMS ``ServiceExceptionReport`` (XML). WMS sends exceptions with 200
        in 1.1.1 practice; OGC 06-042 allows any status — we keep the 4xx of
        the exception so clients and tests can tell it apart."""
        exc_code = self.code
        if version and version.startswith("1.1") and exc_code == "InvalidCRS":
            exc_code = "InvalidSRS"
        code = f' code="{exc_code}"' if exc_code != "NoApplicableCode" else ""
        locator = f" locator={quoteattr(self.locator)}" if self.locator else ""
        if version and version.startswith("1.1"):
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<ServiceExceptionReport version="1.1.1">\n'
                f"  <ServiceException{code}{locator}>{escape(self.text)}</ServiceException>\n"
                "</ServiceExceptionReport>\n"
            )
            ctype = "application/vnd.ogc.se_xml; charset=UTF-8"
        else:
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.opengis.net/ogc '
                'http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">\n'
                f"  <ServiceException{code}{locator}>{escape(self.text)}</ServiceException>\n"
                "</ServiceExceptionReport>\n"
            )
            ctype = "text/xml; charset=UTF-8"
        return self.status, {"Content-Type": ctype, **self.extra_headers()}, body.encode("utf-8")

    def as_json(self) -> dict:
        """OGC API style problem body (``code``/``description``)."""
        return {"code": self.code, "description": self.text,
                **({"locator": self.locator} if self.locator else {})}


class MissingParameterValue(OWSException):
    code = "MissingParameterValue"


class InvalidParameterValue(OWSException):
    code = "InvalidParameterValue"


class OperationNotSupported(OWSException):
    code = "OperationNotSupported"
    status = 501


class OptionNotSupported(OWSException):
    code = "OptionNotSupported"
    status = 400


class VersionNegotiationFailed(OWSException):
    code = "VersionNegotiationFailed"


class InvalidUpdateSequence(OWSException):
    code = "InvalidUpdateSequence"


class CurrentUpdateSequence(OWSException):
    """The client's UPDATESEQUENCE is the current one: nothing changed.
    Sent with 200 — the expected outcome, not an error — because the
    exception document must reach the client (a 304 carries no body)."""
    code = "CurrentUpdateSequence"
    status = 200


class OperationParsingFailed(OWSException):
    """WFS 2.0: the request (e.g. XML POST body or FILTER) could not be parsed."""
    code = "OperationParsingFailed"


class OperationProcessingFailed(OWSException):
    code = "OperationProcessingFailed"
    status = 500


class NotFound(OWSException):
    """WFS 2.0 §7.5: a ResourceId that does not exist (GetFeatureById) → 404."""
    code = "NotFound"
    status = 404


class NoApplicableCode(OWSException):
    code = "NoApplicableCode"


#: seconds a client should wait before it retries after a 503
RETRY_AFTER_S = 10


class ServiceUnavailable(NoApplicableCode):
    """The database (or another service we need) cannot be reached right
    now: 503 with ``Retry-After``, so clients and caches retry instead of
    treating it as a fault of theirs or ours."""

    status = 503
    TEXT = ("Dienst vorübergehend nicht verfügbar, bitte gleich noch einmal versuchen / "
            "service temporarily unavailable, please retry shortly")

    def __init__(self, text: str = TEXT, locator: str | None = None, status: int | None = None):
        super().__init__(text, locator, status)

    def extra_headers(self) -> dict:
        return {"Retry-After": str(RETRY_AFTER_S)}


# WMS-specific codes (OGC 06-042 Annex A) for the WMS engineer.
class InvalidFormat(OWSException):
    code = "InvalidFormat"


class InvalidCRS(OWSException):
    """WMS 1.3.0 ``InvalidCRS`` (1.1.1 calls it ``InvalidSRS``: pass ``code``)."""
    code = "InvalidCRS"


class LayerNotDefined(OWSException):
    code = "LayerNotDefined"


class StyleNotDefined(OWSException):
    code = "StyleNotDefined"


class LayerNotQueryable(OWSException):
    code = "LayerNotQueryable"


class InvalidPoint(OWSException):
    code = "InvalidPoint"
