"""Names of the report's fixed values (levels, states, fields), in the report's language."""

from __future__ import annotations

import gettext


def level_names(t: gettext.NullTranslations) -> dict[str, str]:
    return {"CRITICAL": t.gettext("Critical"), "HIGH": t.gettext("High"),
            "MEDIUM": t.gettext("Medium"), "LOW": t.gettext("Low"),
            "INFORMATIONAL": t.gettext("Informational")}


def state_names(t: gettext.NullTranslations) -> dict[str, str]:
    return {"read": t.gettext("read"), "absent": t.gettext("absent (not in the acquisition)"),
            "failed": t.gettext("could not be read"),
            "partial": t.gettext("partly read")}


def indicator_kinds(t: gettext.NullTranslations) -> dict[str, str]:
    """The observable kinds of `perito.records.Kind`, as a person says them."""
    return {"url": t.gettext("URL"), "domain": t.gettext("domain"), "ip": t.gettext("IP address"),
            "email": t.gettext("e-mail address"), "phone": t.gettext("phone number"),
            "process": t.gettext("process name"), "app_id": t.gettext("app id"),
            "file_path": t.gettext("file path"), "file_name": t.gettext("file name"),
            "profile_id": t.gettext("configuration profile"),
            "file_md5": t.gettext("file hash"), "file_sha1": t.gettext("file hash"),
            "file_sha256": t.gettext("file hash"), "cert_md5": t.gettext("certificate hash"),
            "cert_sha1": t.gettext("certificate hash"),
            "cert_sha256": t.gettext("certificate hash"),
            "android_property": t.gettext("Android property")}


def kind_names(t: gettext.NullTranslations) -> dict[str, str]:
    return {"ios-backup": t.gettext("iOS backup (iTunes/Finder)")}


def device_names(t: gettext.NullTranslations) -> dict[str, str]:
    return {"device_name": t.gettext("Device name"), "product_name": t.gettext("Model"),
            "product_type": t.gettext("Product type"),
            "product_version": t.gettext("System version"),
            "build_version": t.gettext("Build"), "serial_number": t.gettext("Serial number"),
            "imei": "IMEI", "meid": "MEID", "phone_number": t.gettext("Phone number"),
            "last_backup_date": t.gettext("Backup taken (UTC)")}


def script_text(t: gettext.NullTranslations) -> dict[str, str]:
    """The strings the page's script shows; `{page}`, `{pages}`, `{shown}` and `{total}` are
    filled in by the script."""
    return {"page": t.gettext("Page {page} of {pages}"),
            "count": t.gettext("{shown} of {total} events"),
            "none": t.gettext("No event matches the filters.")}
