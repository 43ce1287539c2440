"""Device-local wall-clock times of Android dumps (Encoding.LOCAL_TEXT)."""

from __future__ import annotations

from perito.timestamps import (
    Encoding,
    Timestamp,
    TimeState,
    decode,
    device_local,
    in_zone,
    local_zone,
)


def test_converted_with_the_device_zone_and_its_daylight_saving() -> None:
    winter = device_local("2024-02-28 21:14:03.511", "Europe/Madrid")
    summer = device_local("2024-07-01 12:00:00", "Europe/Madrid")
    assert winter.utc == "2024-02-28T20:14:03.511000+00:00"
    assert summer.utc == "2024-07-01T10:00:00.000000+00:00"
    assert local_zone(winter) == "Europe/Madrid"
    assert in_zone(winter, "America/Mexico_City") == "2024-02-28T14:14:03-06:00"


def test_without_a_zone_it_is_read_as_utc_and_says_so() -> None:
    stamp = device_local("2024-02-28 21:14:03", None)
    assert stamp.state is TimeState.OK and stamp.encoding is Encoding.LOCAL_TEXT
    assert stamp.utc == "2024-02-28T21:14:03.000000+00:00"
    assert local_zone(stamp) is None


def test_round_trip_unset_and_invalid() -> None:
    stamp = device_local("2024-02-28 21:14:03", "America/Bogota")
    assert Timestamp.from_json(stamp.to_json()) == stamp
    assert device_local("", "Europe/Madrid").state is TimeState.UNSET
    assert device_local("28/02/2024", "Europe/Madrid").state is TimeState.INVALID
    assert device_local("2024-02-28 21:14:03", "Not/AZone").state is TimeState.INVALID
    assert device_local("2024-02-28 21:14:03", "../../etc/passwd").state is TimeState.INVALID
    assert decode("1970-01-01 00:00:00", Encoding.LOCAL_TEXT).state is TimeState.INVALID
