"""Findings in Android intrusion-log security events (android.md §6, "intrusion logs")."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.android.intrusion_security import IntrusionSecurityEvent
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# Known benign key-generation failures: the PIN storage key of uid 1001 (radio) across reboots.
_BENIGN_KEYS = frozenset({("PinStorage_crossReboot_key", 1001)})


def _event(record: Record) -> IntrusionSecurityEvent:
    assert isinstance(record, IntrusionSecurityEvent)
    return record


def _benign(event: IntrusionSecurityEvent) -> bool:
    return any(name in event.key_id and event.uid == uid for name, uid in _BENIGN_KEYS)


def _when(event: IntrusionSecurityEvent) -> str:
    return f" at {event.event_time.utc}" if event.event_time.ok else ""


@heuristic(IntrusionSecurityEvent, "android-cert-authority-installed", Level.MEDIUM,
           "A CA certificate installed on the phone lets whoever holds its key read and change "
           "the phone's TLS traffic; stalkerware and interception kits install one.")
def cert_authority_installed(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "cert_authority_installed" and event.success is not False:
        subject = event.subject or "an unnamed certificate"
        yield f"CA certificate installed: {subject}{_when(event)}"


@heuristic(IntrusionSecurityEvent, "android-cert-validation-failure", Level.MEDIUM,
           "A certificate validation failure can be a TLS interception attempt or a tampered "
           "system certificate store.")
def cert_validation_failure(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "cert_validation_failure":
        reason = f": {event.reason}" if event.reason else ""
        yield f"Certificate validation failed{reason}{_when(event)}"


@heuristic(IntrusionSecurityEvent, "android-key-integrity-violation", Level.MEDIUM,
           "The keystore found a key whose integrity check failed: keystore tampering.")
def key_integrity_violation(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "key_integrity_violation":
        yield f"Keystore integrity violation of key {event.key_id or '(unnamed)'} " \
              f"(uid {event.uid}){_when(event)}"


@heuristic(IntrusionSecurityEvent, "android-wipe-failure", Level.MEDIUM,
           "A failed wipe can be a failed anti-forensic clean-up, or a wipe that was blocked.")
def wipe_failure(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "wipe_failure":
        yield f"A device wipe failed{_when(event)}"


@heuristic(IntrusionSecurityEvent, "android-crypto-self-test-failed", Level.MEDIUM,
           "The cryptographic module's self test failed: the crypto code or its environment "
           "may have been modified.")
def crypto_self_test_failed(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "crypto_self_test_completed" and event.success is False:
        yield f"Cryptographic self test failed{_when(event)}"


@heuristic(IntrusionSecurityEvent, "android-key-generation-failed", Level.LOW,
           "A failed key generation is usually a bug; noted for correlation with other signs.")
def key_generation_failed(record: Record) -> Iterator[str]:
    event = _event(record)
    if event.subtype == "key_generated" and event.success is False and not _benign(event):
        yield f"Key generation failed for {event.key_id or '(unnamed)'} " \
              f"(uid {event.uid}){_when(event)}"
