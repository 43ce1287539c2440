"""Device-state heuristics: settings, mounts, root binaries, SELinux, files and processes in
staging folders (android.md §1.5, §4, §6)."""

from __future__ import annotations

from collections.abc import Iterator

from perito.artifacts.android.copied_files import CopiedFile
from perito.artifacts.android.files import AndroidFileEntry
from perito.artifacts.android.getprop import AndroidProperty
from perito.artifacts.android.magisk_modules import MagiskModule
from perito.artifacts.android.mounts import AndroidMount
from perito.artifacts.android.processes import AndroidProcess
from perito.artifacts.android.root_binaries import RootBinary
from perito.artifacts.android.selinux import SelinuxMode
from perito.artifacts.android.settings import AndroidSetting
from perito.detections import heuristic
from perito.levels import Level
from perito.records import Record

# key: (safe value, what a different value means)
DANGEROUS_SETTINGS = {
    "verifier_verify_adb_installs": ("1", "Play Protect verification of adb installs disabled"),
    "package_verifier_enable": ("1", "Google Play Protect disabled"),
    "package_verifier_state": ("1", "APK package verification disabled"),
    "package_verifier_user_consent": ("1", "Google Play Protect disabled"),
    "upload_apk_enable": ("1", "Play Protect upload of unknown apps disabled"),
    "adb_install_need_confirm": ("1", "confirmation of adb app installs disabled"),
    "send_security_reports": ("1", "sharing of security reports disabled"),
    "samsung_errorlog_agree": ("1", "sharing of crash logs with the manufacturer disabled"),
    "send_action_app_error": ("1", "application error reports disabled"),
    "accessibility_enabled": ("0", "accessibility services enabled"),
}
SYSTEM_PARTITIONS = ("/", "/system", "/vendor", "/product", "/system_ext")
SYSTEM_PARTITION_PREFIXES = ("/system_dlkm", "/vendor_dlkm")
NOATIME_ALLOWED = ("/system_dlkm", "/system_ext", "/product", "/vendor", "/vendor_dlkm")
STAGING = ("/data/local/tmp/",)
ANDROIDQF_OWN = ("/data/local/tmp/collector", "/data/local/tmp/androidqf")
ROOT_CONTEXTS = ("u:r:su:", "u:r:magisk:", "u:r:supersu:")


def _is_system_partition(mount: AndroidMount) -> bool:
    if mount.mount_point == "/":
        return mount.fs_type not in ("rootfs", "tmpfs", "overlay")
    return mount.mount_point in SYSTEM_PARTITIONS or mount.mount_point.startswith(
        SYSTEM_PARTITION_PREFIXES)


@heuristic(AndroidSetting, "android-dangerous-setting", Level.MEDIUM,
           "Stalkerware installation guides have Play Protect and install confirmations "
           "turned off, then accessibility enabled for the spy app.")
def dangerous_setting(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidSetting)
    known = DANGEROUS_SETTINGS.get(record.key)
    if known is not None and record.value != known[0]:
        yield f"{known[1]} ({record.namespace} {record.key}={record.value})"


@heuristic(AndroidSetting, "android-adb-enabled", Level.LOW,
           "USB debugging or developer options let a computer install and control apps; "
           "androidqf itself needs adb, so this is context.")
def adb_enabled(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidSetting)
    if record.key in ("adb_enabled", "development_settings_enabled") and record.value == "1":
        yield f"{record.key}=1 ({record.namespace})"


@heuristic(AndroidMount, "android-system-partition-rw", Level.HIGH,
           "System partitions are read-only and dm-verity-protected on stock devices; a "
           "writable one means the device was rooted or modified.")
def system_rw(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidMount)
    if _is_system_partition(record) and "rw" in record.options:
        yield f"system partition {record.mount_point} is mounted read-write ({record.device})"


@heuristic(AndroidMount, "android-system-partition-options", Level.MEDIUM,
           "Remounts and atime options on system partitions are unusual on stock devices "
           "and suggest modification (noisy: low weight).")
def system_options(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidMount)
    if not _is_system_partition(record):
        return
    odd = [o for o in record.options if o in ("remount", "nodiratime") or (
        o == "noatime" and not record.mount_point.startswith(NOATIME_ALLOWED))]
    if odd:
        yield f"system partition {record.mount_point} has mount options {', '.join(odd)}"


@heuristic(RootBinary, "android-root-binary", Level.HIGH,
           "Root tooling is present on the device's PATH. busybox alone is weaker evidence.")
def root_binary(record: Record) -> Iterator[str]:
    assert isinstance(record, RootBinary)
    if record.binary != "busybox":
        yield f"root binary {record.path} is present"


@heuristic(RootBinary, "android-busybox", Level.MEDIUM,
           "BusyBox ships with some ROMs and developer setups; on a stock phone it is a "
           "rooting trace.")
def busybox(record: Record) -> Iterator[str]:
    assert isinstance(record, RootBinary)
    if record.binary == "busybox":
        yield f"busybox is present at {record.path}"


@heuristic(MagiskModule, "android-magisk-module", Level.HIGH,
           "A Magisk module rewrites the system at every boot with root powers; some exist to "
           "hide root or other modules from apps.")
def magisk_module(record: Record) -> Iterator[str]:
    assert isinstance(record, MagiskModule)
    state = f" ({', '.join(record.state_files)})" if record.state_files else ""
    yield (f"Magisk module {record.module_id or record.directory_name} "
           f"\"{record.name}\" is installed at {record.device_path}{state}")


@heuristic(SelinuxMode, "android-selinux-not-enforcing", Level.HIGH,
           "Stock Android enforces SELinux; permissive or disabled means the device is rooted "
           "or modified.")
def selinux(record: Record) -> Iterator[str]:
    assert isinstance(record, SelinuxMode)
    if record.mode.lower() != "enforcing":
        yield f"SELinux is {record.mode}"


def _staged(path: str) -> bool:
    return path.startswith(STAGING) and not path.startswith(ANDROIDQF_OWN) and (
        path.rstrip("/") not in (s.rstrip("/") for s in STAGING))


@heuristic(AndroidFileEntry, "android-file-in-data-local-tmp", Level.MEDIUM,
           "/data/local/tmp is the shell-writable staging area of exploits and implants "
           "(public feeds list /data/local/tmp/wd/…); developer tools write there too.")
def staged_file(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidFileEntry)
    if _staged(record.path) and not record.executable and not record.mode.startswith("d"):
        yield f"file {record.path} in /data/local/tmp ({record.mode}, {record.size} bytes)"


@heuristic(AndroidFileEntry, "android-executable-in-data-local-tmp", Level.HIGH,
           "An executable in /data/local/tmp is how exploits and implants are staged; "
           "androidqf's own collector is left out.")
def staged_executable(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidFileEntry)
    if _staged(record.path) and record.executable and not record.mode.startswith("d"):
        yield f"executable {record.path} in /data/local/tmp ({record.mode})"


@heuristic(CopiedFile, "android-copied-file-from-data-local-tmp", Level.MEDIUM,
           "androidqf copied this file from /data/local/tmp, the staging area of exploits; "
           "its SHA-256 is in the records for a reputation check.")
def copied_staged(record: Record) -> Iterator[str]:
    assert isinstance(record, CopiedFile)
    if _staged(record.device_path):
        yield f"{record.device_path} was in /data/local/tmp (sha256 {record.sha256})"


@heuristic(AndroidProcess, "android-process-from-staging-folder", Level.HIGH,
           "A process running a binary from /data/local/tmp or /sdcard is not installed "
           "software: exploits and implants run from there.")
def staged_process(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidProcess)
    named = record.name if record.name.startswith("/") else ""  # ps shows argv[0]
    for path in (record.path, *record.command_line[:1], named):
        if path.startswith((*STAGING, "/sdcard/", "/storage/emulated/")) and not path.startswith(
                ANDROIDQF_OWN):
            yield f"process {record.name} (pid {record.pid}) runs {path}"
            return


@heuristic(AndroidProcess, "android-root-process-context", Level.HIGH,
           "A process in the su or magisk SELinux domain is a root tool at work.")
def root_context(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidProcess)
    if record.context.startswith(ROOT_CONTEXTS):
        yield f"process {record.name} (pid {record.pid}) runs as {record.context}"


@heuristic(AndroidProcess, "android-fake-kernel-thread", Level.MEDIUM,
           "Kernel threads are children of kthreadd (pid 2); a [bracketed] name elsewhere "
           "is a process disguised as one.")
def fake_kernel_thread(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidProcess)
    if record.kernel_thread and record.pid not in (None, 2) and record.ppid not in (None, 0, 2):
        yield f"[{record.name}] (pid {record.pid}) claims to be a kernel thread, parent " \
              f"{record.ppid}"


@heuristic(AndroidProperty, "android-verified-boot-not-green", Level.MEDIUM,
           "ro.boot.verifiedbootstate is green on a locked, verified device; orange means the "
           "bootloader is unlocked, yellow or red a custom or failed verification.")
def verified_boot(record: Record) -> Iterator[str]:
    assert isinstance(record, AndroidProperty)
    if record.name == "ro.boot.verifiedbootstate" and record.value not in ("", "green"):
        yield f"verified boot state is {record.value}"
