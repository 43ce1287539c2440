"""Builders of Android evidence: `.ab` backups, telephony backups, intrusion logs."""
