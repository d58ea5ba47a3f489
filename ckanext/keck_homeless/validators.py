"""CKAN validators for the help-offer schema: thin adapters over ``offers/``.

Each validator turns a domain ``Msg`` into ``Invalid`` in the request's
language (German by default, English under ``/en/``, any other language with
a catalogue under its prefix).
"""
from __future__ import annotations

import contextvars
import datetime as dt
import functools
import json
import re
from typing import Any

import ckan.plugins.toolkit as tk
import flask_babel

from ckanext.keck_homeless import config as kconfig
from ckanext.keck_homeless.offers import hours, rules
from ckanext.keck_homeless.offers.messages import Joined, Msg
from ckanext.scheming.validation import scheming_validator

Invalid = tk.Invalid
missing = tk.missing

_validators: dict[str, Any] = {}


def validator(fn):
    _validators[fn.__name__] = fn
    return fn


def get_validators() -> dict[str, Any]:
    return dict(_validators)


#: Set by the importer (``--lang``): the language of messages outside a
#: web request, where no locale is negotiated.
forced_lang: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "keck_homeless_forced_lang", default=None)


def current_lang() -> str:
    """The UI language of the current request, the importer's ``--lang``, or
    the site default."""
    if forced_lang.get():
        return forced_lang.get()
    try:
        locale = flask_babel.get_locale()
    except (RuntimeError, AttributeError, TypeError, KeyError):
        locale = None
    return str(locale) if locale else kconfig.default_lang()


def _invalid(msg: Msg | Joined) -> Invalid:
    return Invalid(msg.text(current_lang()))


def _optional(fn):
    """Leave missing and empty values alone; ``fn`` sees only real input."""
    @functools.wraps(fn)
    def validate(value, context):
        if value is missing or value in (None, "", {}):
            return value
        return fn(value, context)
    return validate


@validator
@scheming_validator
def keck_homeless_code(field, schema):
    name = field["field_name"]

    def validate(value, context):
        if value is missing or value in (None, ""):
            return value
        value = str(value).strip()
        msg = rules.check_code(name, value)
        if msg:
            raise _invalid(msg)
        return value

    return validate


@validator
@scheming_validator
def keck_homeless_codes(field, schema):
    """A multi-valued code list, accepting lists, JSON lists and ``a|b`` text;
    stored as a JSON list (like scheming's multiple_choice)."""
    name = field["field_name"]

    def validate(key, data, errors, context):
        value = data.get(key)
        if value is missing or value is None:
            return
        try:
            values = rules.as_list(value)
        except (ValueError, TypeError):
            errors[key].append(_invalid(rules.MSG["unknown_code"].format(
                value=value, allowed=", ".join(rules.codes.codes(name)))).error)
            return
        for v in values:
            msg = rules.check_code(name, v)
            if msg:
                errors[key].append(msg.text(current_lang()))
        if errors[key]:
            return
        order = {c: i for i, c in enumerate(rules.codes.codes(name))}
        data[key] = json.dumps(sorted(set(values), key=order.__getitem__))

    return validate


@validator
def keck_homeless_list_output(value):
    try:
        return rules.as_list(value)
    except (ValueError, TypeError):
        return value


@validator
@_optional
def keck_homeless_boolean(value, context):
    try:
        return "true" if rules.as_bool(value) else "false"
    except ValueError:
        raise _invalid(rules.MSG["bad_boolean"]) from None


@validator
def keck_homeless_boolean_output(value):
    try:
        return rules.as_bool(value)
    except ValueError:
        return value


@validator
@_optional
def keck_homeless_opening_hours(value, context):
    value = str(value).strip()
    try:
        hours.validate(value)
    except hours.OpeningHoursError as err:
        raise _invalid(err.msg) from None
    return value


@validator
@_optional
def keck_homeless_point(value, context):
    """A GeoJSON Point (dict or text) → normalised GeoJSON text."""
    try:
        point = rules.parse_point(value)
    except (ValueError, TypeError):
        raise _invalid(rules.MSG["not_point"]) from None
    return rules.point_geojson(*point) if point else ""


@validator
@_optional
def keck_homeless_date(value, context):
    try:
        return rules.parse_date(value).isoformat()
    except (ValueError, TypeError):
        raise _invalid(rules.MSG["bad_date"]) from None


@validator
@_optional
def keck_homeless_not_future(value, context):
    try:
        day = rules.parse_date(value)
    except (ValueError, TypeError):
        # keck_homeless_date before it has said so already; never a 500
        raise _invalid(rules.MSG["bad_date"]) from None
    if day and day > dt.date.today():
        raise _invalid(rules.MSG["future_date"])
    return value


@validator
@_optional
def keck_homeless_phone(value, context):
    value = str(value).strip()
    if not rules.PHONE_RE.match(value):
        raise _invalid(rules.MSG["bad_phone"])
    return value


@validator
@_optional
def keck_homeless_email(value, context):
    value = str(value).strip()
    if not rules.EMAIL_RE.match(value):
        raise _invalid(rules.MSG["bad_email"])
    return value


@validator
@_optional
def keck_homeless_url(value, context):
    value = str(value).strip()
    if not rules.URL_RE.match(value):
        raise _invalid(rules.MSG["bad_url"])
    return value


@validator
@_optional
def keck_homeless_postcode(value, context):
    value = str(value).strip()
    if not re.fullmatch(r"\d{5}", value):
        raise _invalid(rules.MSG["bad_postcode"])
    return value


@validator
@_optional
def keck_homeless_capacity(value, context):
    bad = rules.MSG["bad_capacity"].format(max=rules.MAX_CAPACITY)
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        raise _invalid(bad)
    number = int(text)
    if number > rules.MAX_CAPACITY:
        raise _invalid(bad)
    return str(number)


@validator
@_optional
def keck_homeless_time(value, context):
    """A time of day, stored as ``HH:MM`` (the admission cut-off)."""
    try:
        return rules.parse_time_of_day(value)
    except ValueError:
        raise _invalid(rules.MSG["bad_time"]) from None


@validator
@_optional
def keck_homeless_external_id(value, context):
    """External ids are unique among offers (the importer upserts by them)."""
    value = str(value).strip()
    model = context["model"]
    package = context.get("package")
    query = (
        model.Session.query(model.PackageExtra.package_id)
        .join(model.Package, model.Package.id == model.PackageExtra.package_id)
        .filter(model.PackageExtra.key == "external_id")
        .filter(model.PackageExtra.value == value)
        .filter(model.Package.state != "deleted")
    )
    if package is not None:
        query = query.filter(model.Package.id != package.id)
    if query.first() is not None:
        raise _invalid(Msg("The external id '{value}' is already in use.", value=value))
    return value


_OFFER_FIELDS = (
    "category", "street", "postcode", "municipality", "district", "spatial",
    "location_visibility", "valid_from", "valid_until", "phone", "email", "private",
)

#: context key: the request declared its location fields exact (the form)
_EXACT_CONTEXT_KEY = "keck_homeless_exact"


@validator
def keck_homeless_exact_marker(key, data, errors, context):
    """``keck_homeless_exact=true`` (sent by the offer form, which is
    prefilled with the exact location for editors): the location fields of
    this request are the exact values as a whole, so an empty one clears
    the stored value. Never stored."""
    value = data.pop(key, missing)
    if value is not missing and rules.as_bool_safe(value):
        context[_EXACT_CONTEXT_KEY] = True
    raise tk.StopOnError


@validator
def keck_homeless_review_status(key, data, errors, context):
    """``review_status`` (partners/review.py): only a sysadmin sets it. For
    everybody else it keeps its stored value, becomes ``pending`` when a new
    offer of an organisation under review is created, and a pending offer
    stays private."""
    from ckan import authz

    from ckanext.keck_homeless.partners import review

    package = context.get("package")
    stored = review.stored_status(package)
    given = data.get(key)
    if authz.is_sysadmin(context.get("user")):
        value = given if given in review.STATUSES else stored
    elif stored:
        value = stored
    elif package is None and review.org_needs_review(data.get(("owner_org",))):
        value = review.PENDING
    else:
        value = ""
    if value == review.PENDING:
        data[("private",)] = True
    if value:
        data[key] = value
    else:
        data.pop(key, None)
        raise tk.StopOnError


def _location_for_rules(offer: dict[str, Any], context) -> None:
    """On an update of a protected offer, a location field that came back
    with its published value means "unchanged" (see privacy.py): check the
    rules against the exact value it stands for."""
    from ckanext.keck_homeless import privacy

    package = context.get("package")
    exact_given = context.pop(_EXACT_CONTEXT_KEY, False)
    if package is None or getattr(package, "type", None) != privacy.DATASET_TYPE:
        return
    session = context["model"].Session
    if exact_given:
        privacy.mark_exact(session, package.id)
        return
    row = privacy.exact_location(package.id)
    if row is None:
        return
    stored = dict(package.extras)
    for field in rules.LOCATION_FIELDS:
        if rules.same_location_value(field, offer.get(field), stored.get(field)):
            offer[field] = row[field]


@validator
def keck_homeless_offer_rules(key, data, errors, context):
    """Cross-field rules (schema ``after_validators``)."""
    offer = {}
    for field in _OFFER_FIELDS:
        value = data.get((field,))
        offer[field] = None if value is missing else value
    _location_for_rules(offer, context)
    if any(errors.get((f,)) for f in ("spatial", "valid_from", "valid_until")):
        return
    found = rules.check_offer(offer, region=kconfig.region_bbox())
    lang = current_lang()
    for field, msgs in found.items():
        if errors.get((field,)):
            continue
        errors.setdefault((field,), []).extend(m.text(lang) for m in msgs)
