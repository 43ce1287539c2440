"""Device admins, apps with a stalkerware-like set of powers, processes of unknown packages."""

from __future__ import annotations

from pathlib import Path

from perito.artifacts.android import dumpsys_device_policy
from perito.artifacts.android.dumpsys_device_policy import DeviceAdmin
from tests.android_scan import androidqf, findings, records_of, scan_tree
from tests.builders.android.androidqf import (
    DEVICE_POLICY,
    Androidqf,
    Bugreport,
    package,
    package_block,
    ps_line,
    section,
)

SPY_PERMISSIONS = ("android.permission.READ_SMS", "android.permission.ACCESS_FINE_LOCATION",
                   "android.permission.RECORD_AUDIO")


def test_device_admins_are_read_with_their_policies(tmp_path: Path) -> None:
    built = Androidqf(dumpsys=section("device_policy", DEVICE_POLICY))
    source = androidqf(built.write_folder(tmp_path / "acq"))
    admins = [r for r in records_of(source, dumpsys_device_policy.ARTIFACT)
              if isinstance(r, DeviceAdmin)]
    assert [(a.package_name, a.receiver, a.user, a.policies) for a in admins] == [
        ("com.google.android.gms", ".mdm.receivers.MdmDeviceAdminReceiver", 0,
         ("wipe-data", "reset-password", "force-lock")),
        ("com.example.spy", ".receiver.AdminReceiver", 0, ("wipe-data", "watch-login"))]
    result = scan_tree(source, artifacts=[dumpsys_device_policy.ARTIFACT])
    assert [d.record.package_name for d in findings(result, "android-device-admin")] == [
        "com.example.spy"]


def _spy_acquisition(installer: str) -> Androidqf:
    built = Androidqf(
        packages=[package("com.example.spy", installer=installer),
                  package("com.example.flashlight", installer="null")],
        dumpsys=section("device_policy", DEVICE_POLICY),
        bugreport=Bugreport(extra_packages=[
            package_block("com.example.spy", installer=installer, permissions=SPY_PERMISSIONS),
            package_block("com.whatsapp.w4b", permissions=SPY_PERMISSIONS)]))
    built.settings["secure"]["enabled_notification_listeners"] = (
        "com.example.spy/com.example.spy.NotificationService:"
        "com.whatsapp.w4b/com.whatsapp.w4b.Listener")
    return built


def test_sideloaded_app_with_reader_and_data_powers_is_high(tmp_path: Path) -> None:
    source = androidqf(_spy_acquisition("null").write_folder(tmp_path / "acq"))
    result = scan_tree(source)
    by_package = {d.record.package_name: d for d in findings(result,
                                                              "android-stalkerware-powers")}
    finding = by_package["com.example.spy"]
    assert finding.level.name == "HIGH"
    assert finding.message == ("com.example.spy combines SMS access, device admin, location "
                               "access, microphone access, notification listener, sideloaded "
                               "(adb)")
    assert result.serious


def test_store_app_with_the_same_powers_is_medium_and_readers_are_needed(tmp_path: Path) -> None:
    source = androidqf(_spy_acquisition("com.android.vending").write_folder(tmp_path / "acq"))
    result = scan_tree(source)
    levels = {d.record.package_name: d.level.name
              for d in findings(result, "android-stalkerware-powers")}
    # a store app whose only reader power is the notification listener: LOW
    assert levels == {"com.example.spy": "MEDIUM", "com.whatsapp.w4b": "LOW"}
    # the flashlight is sideloaded but has no reader power: no finding
    assert "com.example.flashlight" not in levels


def test_app_process_without_installed_package(tmp_path: Path) -> None:
    built = Androidqf(processes=[
        ps_line("u0_a190", 4711, 812, "com.whatsapp"),
        ps_line("u0_a150", 4800, 812, "com.whatsapp.persistent"),
        ps_line("u0_a190", 4801, 812, "com.whatsapp_zygote"),
        ps_line("u0_a231", 4900, 812, "com.hidden.agent:remote"),
        ps_line("system", 1500, 812, "com.android.systemui.helper")])
    result = scan_tree(androidqf(built.write_folder(tmp_path / "acq")))
    assert [d.record.name for d in findings(result, "android-process-of-unknown-package")] == [
        "com.hidden.agent:remote"]


def test_screen_capture_and_usage_access_from_app_ops(tmp_path: Path) -> None:
    appops = ("Current AppOps Service state:\n  Settings:\n    x=1\n\n"
              "  Uid u0a231:\n    state=cch\n    Package com.example.watcher:\n"
              "      PROJECT_MEDIA (allow):\n"
              "          Access: [fg-s] 2024-02-28 21:14:03.511 (-1d)\n"
              "      GET_USAGE_STATS (allow):\n"
              "          Access: [bg-s] 2024-02-28 21:15:00.000 (-1d)\n\n")
    built = Androidqf(packages=[package("com.example.watcher", installer="null")],
                      bugreport=Bugreport(sections={"appops": appops}))
    result = scan_tree(androidqf(built.write_folder(tmp_path / "acq")))
    [finding] = findings(result, "android-stalkerware-powers")
    assert finding.level.name == "HIGH"
    assert finding.message == ("com.example.watcher combines screen capture, sideloaded (adb), "
                               "usage access")
