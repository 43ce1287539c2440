"""Build Android acquisitions in code: androidqf folders and zips, and bugreports.

The layouts and formats are those of android.md: androidqf's `packages.json` with capitalised
certificate keys, `ps -A` tables, `[name]: [value]` getprop lines, `files.json` with unix
seconds, `mounts.json` mixing `mount` and `/proc/mounts` lines, `hashes.csv` of every other
member; a bugreport's `main_entry.txt`, a dumpstate with its header, getprop block and
`DUMP OF SERVICE` sections between 79-dash separators, and `FS/data/tombstones/`.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEPARATOR = "-" * 79
ACQUIRED = "2024-03-01T10:00:00Z"
DUMPSTATE_NAME = "bugreport-oriole-UQ1A.240205.004-2024-03-01-10-00-00.txt"


def zip_members(members: dict[str, bytes], date_time: tuple[int, int, int, int, int, int],
                top_folder: str = "") -> bytes:
    """A deflated zip of the members, each entry stamped with the wall-clock `date_time`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(f"{top_folder}{name}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def write_members(members: dict[str, bytes], path: Path) -> Path:
    for name, data in members.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return path


def apk_file(package: str, *, cert_sha1: str = "a1" * 20, subject: str = "CN=Example Dev",
             sha256: str = "5d" * 32) -> dict[str, Any]:
    """One `files[]` element of packages.json."""
    return {
        "path": f"/data/app/~~Qw9f1A==/{package}-Zx3kP0==/base.apk", "local_name": "",
        "md5": "9b" * 16, "sha1": "0c" * 20, "sha256": sha256, "sha512": "e4" * 64,
        "error": "", "verified_certificate": True, "trusted_certificate": False,
        "certificate_error": "",
        "certificate": {"Md5": "77" * 16, "Sha1": cert_sha1, "Sha256": "c3" * 32,
                        "ValidFrom": "2020-01-01T00:00:00Z", "ValidTo": "2050-01-01T00:00:00Z",
                        "Issuer": subject, "Subject": subject,
                        "SignatureAlgorithm": "SHA256-RSA", "SerialNumber": 123456789}}


def package(name: str, *, installer: str = "com.android.vending", uid: int = 10231,
            system: bool = False, disabled: bool = False,
            files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One element of packages.json."""
    return {"name": name, "installer": installer, "uid": uid, "disabled": disabled,
            "system": system, "third_party": not system,
            "files": files if files is not None else [apk_file(name)]}


PS_HEADER = "USER           PID  PPID     VSZ    RSS WCHAN            ADDR S NAME"


PS_THREADS_HEADER = ("LABEL                          USER           PID   TID  PPID     VSZ    RSS "
                     "WCHAN            ADDR S PRI  NI RTPRIO SCH PCY         TIME CMD")


def ps_thread(label: str, user: str, pid: int, tid: int, ppid: int, name: str,
              wchan: str = "do_epoll_wait") -> str:
    """One row of dumpstate's `ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time`."""
    return (f"{label:<30} {user:<12} {pid:>5} {tid:>5} {ppid:>5} 10943040   9812 {wchan:<16}"
            f"    0 S  19   0     -   0  fg     00:00:05 {name}")


def ps_line(user: str, pid: int, ppid: int, name: str, wchan: str = "do_epoll_wait") -> str:
    return f"{user:<12} {pid:>5} {ppid:>5} 1093412   9812 {wchan:<16}    0 S {name}"


@dataclass
class Androidqf:
    """An androidqf acquisition; every list holds the file's elements or lines."""

    properties: dict[str, str] = field(default_factory=lambda: {
        "ro.build.version.security_patch": "2024-02-05", "ro.build.version.sdk": "34",
        "ro.build.version.release": "14", "persist.sys.timezone": "Europe/Madrid",
        "ro.product.vendor.model": "Pixel 6",
        "ro.build.fingerprint": "google/oriole/oriole:14/UQ1A.240205.004/11269751:user/"
                                "release-keys", "ro.boot.verifiedbootstate": "green",
        "gsm.sim.operator.alpha": ""})
    settings: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "system": {"screen_brightness": "102"},
        "secure": {"package_verifier_user_consent": "1", "accessibility_enabled": "0",
                   "default_input_method": "com.google.android.inputmethod.latin/"
                                           "com.android.inputmethod.latin.LatinIME"},
        "global": {"package_verifier_enable": "1", "adb_enabled": "1",
                   "verifier_verify_adb_installs": "1"}})
    packages: list[dict[str, Any]] = field(default_factory=lambda: [
        package("com.android.settings", installer="null", uid=1000, system=True),
        package("com.whatsapp", uid=10190)])
    processes: list[str] = field(default_factory=lambda: [
        ps_line("root", 1, 0, "init"), ps_line("root", 2, 0, "[kthreadd]"),
        ps_line("u0_a190", 4711, 812, "com.whatsapp")])
    processes_json: list[dict[str, Any]] | None = None
    legacy_ps: bool = False  # write ps.txt (older androidqf) instead of processes.txt
    files: list[dict[str, Any]] = field(default_factory=lambda: [
        {"path": "/sdcard/DCIM/Camera/IMG_20240228_211000.jpg", "size": 2_345_678,
         "mode": "-rw-rw----", "user_id": 10190, "user_name": "u0_a190", "group_id": 9997,
         "group_name": "everybody", "changed_time": 1709154600, "modified_time": 1709154600,
         "access_time": 1709154601, "error": "", "context": "u:object_r:media_rw_data_file:s0",
         "mime_type": "image/jpeg", "md5": "", "sha1": "", "sha256": "", "sha512": ""}])
    mounts: list[str] = field(default_factory=lambda: [
        "/dev/block/dm-4 on / type ext4 (ro,seclabel,relatime)",
        "/dev/block/dm-4 / ext4 ro,seclabel,relatime 0 0",
        "/dev/block/dm-5 on /vendor type ext4 (ro,seclabel,relatime)",
        "tmpfs on /dev type tmpfs (rw,seclabel,nosuid,relatime,mode=755)"])
    root_binaries: list[str] = field(default_factory=list)
    selinux: str = "Enforcing"
    acquisition: dict[str, Any] | None = field(default_factory=lambda: {
        "uuid": "6b0d1c9e-2f4a-4e1b-9a57-3c2d8e0f7a11", "androidqf_version": "v1.9.0",
        "adb_host_public_key": HOST_KEY, "storage_path": "/media/usb/6b0d1c9e",
        "started": ACQUIRED, "completed": "2024-03-01T10:14:37.123456789Z",
        "collector": {"version": "v1.0"}, "tmp_dir": "/data/local/tmp/", "sdcard": "/sdcard/",
        "cpu": "arm64-v8a", "streaming_mode": True,
        "module_results": [{"name": "getprop", "status": "ok"}]})
    extra: dict[str, bytes] = field(default_factory=dict)  # more members, e.g. logs/…
    dumpsys: str | None = None  # dumpsys.txt
    bugreport: Bugreport | None = None  # nested bugreport.zip
    hashes: bool = True
    tamper: dict[str, str] = field(default_factory=dict)  # member → wrong hash in hashes.csv

    def members(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        if self.acquisition is not None:
            out["acquisition.json"] = json.dumps(self.acquisition, indent=1).encode()
        out["getprop.txt"] = "".join(f"[{k}]: [{v}]\n" for k, v in
                                     self.properties.items()).encode()
        for namespace, values in self.settings.items():
            out[f"settings_{namespace}.txt"] = "".join(
                f"{k}={v}\n" for k, v in values.items()).encode()
        out["packages.json"] = json.dumps(self.packages).encode()
        table = "\n".join([PS_HEADER, *self.processes]) + "\n"
        out["ps.txt" if self.legacy_ps else "processes.txt"] = table.encode()
        if self.processes_json is not None:
            out["processes.json"] = json.dumps(self.processes_json).encode()
        out["files.json"] = json.dumps(self.files).encode()
        out["mounts.json"] = json.dumps(self.mounts).encode()
        out["root_binaries.json"] = json.dumps(self.root_binaries).encode()
        out["selinux.txt"] = f"{self.selinux}\n".encode()
        if self.dumpsys is not None:
            out["dumpsys.txt"] = self.dumpsys.encode()
        if self.bugreport is not None:
            out["bugreport.zip"] = self.bugreport.zip_bytes()
        out.update(self.extra)
        if self.hashes:
            rows = [f"{name},{self.tamper.get(name) or hashlib.sha256(data).hexdigest()}"
                    for name, data in out.items()]
            out["hashes.csv"] = ("\n".join(rows) + "\n").encode()
        return out

    def write_folder(self, path: Path) -> Path:
        return write_members(self.members(), path)

    def zip_bytes(self, top_folder: str = "") -> bytes:
        return zip_members(self.members(), (2024, 3, 1, 10, 5, 0), top_folder)

    def write_zip(self, path: Path, top_folder: str = "") -> Path:
        path.write_bytes(self.zip_bytes(top_folder))
        return path


# -- bugreports ----------------------------------------------------------------------------


def section(name: str, body: str, priority: str = "") -> str:
    """One `DUMP OF SERVICE` section as dumpstate prints it."""
    header = f"DUMP OF SERVICE {priority + ' ' if priority else ''}{name}:"
    return (f"{SEPARATOR}\n{header}\n{body.rstrip()}\n"
            f"--------- 0.012s was the duration of dumpsys {name}, ending at: "
            f"2024-03-01 10:00:12\n")


PACKAGE_SECTION = """\
Activity Resolver Table:
  Non-Data Actions:
      android.intent.action.MAIN:
        4b1f2a0 com.whatsapp/.Main filter 9c3e11d
          Action: "android.intent.action.MAIN"
          Category: "android.intent.category.LAUNCHER"

Receiver Resolver Table:
  Non-Data Actions:
      android.provider.Telephony.SMS_RECEIVED:
        5c2a3b1 com.google.android.apps.messaging/.shared.receiver.SmsReceiver filter 1a2b3c4
          Action: "android.provider.Telephony.SMS_RECEIVED"

Key Set Manager:
  [com.whatsapp]
      Signing KeySets: 12

Packages:
  Package [com.whatsapp] (4b1f2a0):
    userId=10190
    pkg=Package{7c9e3d2 com.whatsapp}
    codePath=/data/app/~~Qw9f1A==/com.whatsapp-Zx3kP0==
    resourcePath=/data/app/~~Qw9f1A==/com.whatsapp-Zx3kP0==
    versionCode=240512004 minSdk=21 targetSdk=33
    versionName=2.24.5.12
    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE ]
    timeStamp=2024-02-20 08:30:00
    lastUpdateTime=2024-02-20 08:30:05
    installerPackageName=com.android.vending
    signatures=PackageSignatures{8d1e4f0 version:3, signatures:[3987d043], past signatures:[]}
    pkgFlags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP ]
    requested permissions:
      android.permission.INTERNET
      android.permission.READ_CONTACTS
    install permissions:
      android.permission.INTERNET: granted=true
    User 0: ceDataInode=4120 installed=true hidden=false suspended=false distractionFlags=0 stopped=false notLaunched=false enabled=0 instant=false virtual=false
      firstInstallTime=2023-06-01 12:00:00
      installReason=0
      runtime permissions:
        android.permission.READ_CONTACTS: granted=true, flags=[ USER_SET ]
{extra_packages}
Hidden system packages:
  Package [com.google.android.gms] (1a2b3c4):
    userId=10150

Queries:
  system apps queryable: false
"""


def package_block(name: str, *, installer: str | None = "com.android.vending",
                  system: bool = False, permissions: tuple[str, ...] = (),
                  first_install: str = "2024-02-28 21:10:01", version_code: int = 57,
                  initiator: str | None = None, originator: str = "null") -> str:
    """A `  Package [name]` block of dumpsys package."""
    flags = "SYSTEM HAS_CODE" if system else "HAS_CODE ALLOW_CLEAR_USER_DATA"
    lines = [f"  Package [{name}] (9e8d7c6):", "    userId=10231",
             f"    codePath=/data/app/~~AbCd==/{name}-EfGh==",
             f"    versionCode={version_code} minSdk=26 targetSdk=34", "    versionName=2.3",
             f"    pkgFlags=[ {flags} ]", "    timeStamp=2024-02-28 21:10:00",
             f"    lastUpdateTime={first_install}"]
    if installer is not None:
        lines.append(f"    installerPackageName={installer}")
    if initiator is not None:
        lines += [f"    installInitiatingPackageName={initiator}",
                  f"    installOriginatingPackageName={originator}"]
    lines.append("    requested permissions:")
    lines += [f"      {p}" for p in permissions]
    lines += ["    User 0: ceDataInode=5000 installed=true hidden=false enabled=0",
              f"      firstInstallTime={first_install}", "      runtime permissions:"]
    lines += [f"        {p}: granted=true, flags=[ USER_SET ]" for p in permissions]
    return "\n".join(lines)


@dataclass
class Bugreport:
    """An `adb bugreport` zip: dumpstate text via main_entry.txt, FS/ files, tombstones."""

    properties: dict[str, str] = field(default_factory=lambda: {
        "persist.sys.timezone": "Europe/Madrid", "ro.build.version.security_patch": "2024-02-05",
        "ro.build.version.sdk": "34", "ro.boot.verifiedbootstate": "green"})
    sections: dict[str, str] = field(default_factory=dict)  # service name → body
    extra_packages: list[str] = field(default_factory=list)
    tombstones: dict[str, bytes] = field(default_factory=dict)  # tombstone_NN(.pb) → bytes
    extra: dict[str, bytes] = field(default_factory=dict)
    dumpstate_time: str = "2024-03-01 10:00:00"
    processes: list[str] = field(default_factory=lambda: [
        ps_thread("u:r:init:s0", "root", 1, 1, 0, "init"),
        ps_thread("u:r:kernel:s0", "root", 2, 2, 0, "[kthreadd]"),
        ps_thread("u:r:untrusted_app:s0:c190,c256,c512,c768", "u0_a190", 4711, 4711, 812,
                  "com.whatsapp"),
        ps_thread("u:r:untrusted_app:s0:c190,c256,c512,c768", "u0_a190", 4711, 4720, 812,
                  "Signal Catcher")])
    main_entry: bool = True
    dumpstate_name: str = DUMPSTATE_NAME

    def dumpstate(self) -> str:
        props = "".join(f"[{k}]: [{v}]\n" for k, v in self.properties.items())
        parts = [
            "=" * 56, f"== dumpstate: {self.dumpstate_time}", "=" * 56, "",
            "Build: UQ1A.240205.004",
            "Build fingerprint: 'google/oriole/oriole:14/UQ1A.240205.004/11269751:user/"
            "release-keys'",
            "Bootloader: slider-1.3-11009126", "Bugreport format version: 2.0",
            "Dumpstate info: id=1 pid=12345 dry_run=0 parallel_run=1 args=-SV", "",
            "------ SYSTEM PROPERTIES (getprop) ------", props.rstrip(),
            "------ 0.041s was the duration of 'SYSTEM PROPERTIES' ------", "",
            "------ PROCESSES AND THREADS (ps -A -T -Z -O pri,nice,rtprio,sched,pcy,time) ------",
            PS_THREADS_HEADER, *self.processes,
            "------ 0.150s was the duration of 'PROCESSES AND THREADS' ------", "",
            "------ SYSTEM LOG (logcat -v threadtime -v printable -v uid -d *:v) ------",
            "--------- beginning of main",
            "03-01 09:59:58.123 10190  4711  4730 I WhatsApp: media fetch "
            "https://mmg.whatsapp.net/v/t62/abc",
            "------ 0.912s was the duration of 'SYSTEM LOG' ------", "",
        ]
        body = "\n".join(parts) + "\n"
        package_body = PACKAGE_SECTION.replace("{extra_packages}",
                                               "\n".join(self.extra_packages))
        chosen = {"package": package_body, **self.sections}
        for name, text in chosen.items():
            body += section(name, text)
        return body + SEPARATOR + "\n"

    def members(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        if self.main_entry:
            out["main_entry.txt"] = self.dumpstate_name.encode()
        out[self.dumpstate_name] = self.dumpstate().encode()
        out["version.txt"] = b"2.0"
        out["FS/data/system/uiderrors.txt"] = b"2024-02-28 21:14:05.120: crash\n"
        for name, data in self.tombstones.items():
            out[f"FS/data/tombstones/{name}"] = data
        out.update(self.extra)
        return out

    def zip_bytes(self) -> bytes:
        return zip_members(self.members(), (2024, 2, 28, 21, 14, 5))

    def write_zip(self, path: Path) -> Path:
        path.write_bytes(self.zip_bytes())
        return path

    def write_folder(self, path: Path) -> Path:
        return write_members(self.members(), path)


TEXT_TOMBSTONE = """\
*** *** *** *** *** *** *** *** *** *** *** *** *** *** *** ***
Build fingerprint: 'google/oriole/oriole:14/UQ1A.240205.004/11269751:user/release-keys'
Revision: 'MP1.0'
ABI: 'arm64'
Timestamp: 2024-02-28 21:14:05.120304512+0100
Process uptime: 12s
Cmdline: /system/bin/{binary} --flag
pid: 812, tid: 830, name: {thread}  >>> /system/bin/{binary} <<<
uid: {uid}
tagged_addr_ctrl: 0000000000000001 (PR_TAGGED_ADDR_ENABLE)
signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0000000000000010
Cause: null pointer dereference
    x0  0000000000000000  x1  0000007fc1d2e3f0  x2  0000000000000010  x3  0000000000000000

backtrace:
      #00 pc 000000000004a2b0  /system/lib64/libexample.so (example_parse+48)

--- --- --- --- --- --- --- --- --- --- --- --- --- --- --- ---
pid: 812, tid: 831, name: other  >>> /system/bin/{binary} <<<
"""


def text_tombstone(binary: str = "mediaserver", uid: int = 1013, thread: str = "worker") -> bytes:
    return TEXT_TOMBSTONE.format(binary=binary, uid=uid, thread=thread).encode()


def protobuf_tombstone(binary: str = "mediaserver", uid: int = 1013,
                       thread: str = "worker") -> bytes:
    """A tombstone_NN.pb, serialised with the AOSP field numbers."""
    from perito.extract.tombstone_proto import TOMBSTONE

    message = TOMBSTONE(build_fingerprint="google/oriole/oriole:14/UQ1A.240205.004/11269751:"
                                          "user/release-keys", revision="MP1.0",
                        timestamp="2024-02-28 21:14:05.120304512+0100", pid=812, tid=830,
                        uid=uid, selinux_label="u:r:mediaserver:s0",
                        command_line=[f"/system/bin/{binary}", "--flag"], process_uptime=12,
                        abort_message="")
    message.signal_info.number = 11
    message.signal_info.name = "SIGSEGV"
    message.signal_info.code = 1
    message.signal_info.code_name = "SEGV_MAPERR"
    message.causes.add(human_readable="null pointer dereference")
    message.threads[830].id = 830
    message.threads[830].name = thread
    message.threads[831].id = 831
    message.threads[831].name = "other"
    data: bytes = message.SerializeToString()
    return data


# -- realistic section bodies --------------------------------------------------------------

ACCESSIBILITY_OLD = """\
ACCESSIBILITY MANAGER (dumpsys accessibility)

User state[
  attributes:{id=0, touchExplorationEnabled=false, serviceHandlesDoubleTap=false}
  installed services: {
    0 : com.google.android.marvin.talkback/com.google.android.marvin.talkback.TalkBackService
    1 : com.example.helper/com.example.helper.A11yService
  }
  Bound services:{}
  Enabled services:{}
  Binding services:{}
]
"""

ACCESSIBILITY_14 = """\
ACCESSIBILITY MANAGER (dumpsys accessibility)

currentUserId=0
User state[
  attributes:{id=0, touchExplorationEnabled=false, serviceHandlesDoubleTap=false}
  Bound services:{Service[label=Helper, feedbackType[FEEDBACK_GENERIC], capabilities=1, eventTypes=TYPES_ALL_MASK, notificationTimeout=100, requestA11yBtn=false]}
  Enabled services:{{com.example.helper/com.example.helper.A11yService}, {com.google.android.marvin.talkback/com.google.android.marvin.talkback.TalkBackService}}
  Binding services:{}
  Crashed services:{}
]
"""

APPOPS = """\
Current AppOps Service state:
  Settings:
    top_state_settle_time=+5s0ms
  Current mode change listeners:
    Uid 1000:

  Uid 0:
    state=pers
    Package root:
      READ_EXTERNAL_STORAGE (allow):
          Access: [pers-s] 2024-02-27 08:00:00.000 (-2d02h00m00s000ms)
  Uid 2000:
    state=cch
    Package com.android.shell:
      READ_CLIPBOARD (allow):
          Access: [fg-s] 2024-02-28 21:00:00.000 (-1d13h00m00s000ms)
  Uid u0a231:
    state=cch
    Package com.example.dropper:
      REQUEST_INSTALL_PACKAGES (allow):
          Access: [fg-s] 2024-02-28 21:14:03.511 (-1d12h45m09s120ms)
          Access: [top-s] 2024-02-28 20:00:00.000 (-1d14h00m00s000ms)
      CAMERA (ignore / switch CAMERA=ignore):
          Reject: [fg-s] 2024-02-28 22:00:00.000 (-1d12h00m00s000ms)
      RECORD_AUDIO (allow):
        null=[
          Access: [bg-s] 2024-02-29 03:10:00.000 (-1d06h00m00s000ms) duration=+5m0s0ms
          Access: [top-s] 2024-02-29 09:00:00.000 (-1d01h00m00s000ms)
        ]
  Uid u0a232:
    Package com.example.asker:
      REQUEST_INSTALL_PACKAGES (default):

Op history:
  Uid 1000:
"""

BATTERYSTATS = """\
Battery History (2% used, 5980 used of 256KB, 45 strings using 2532):
                    0 (15) RESET:TIME: 2024-02-27-10-00-00
                    0 (2) 100 status=discharging health=good plug=none
        +1h02m03s123ms (2) 099 +job=u0a231:"com.example.notes/.SyncJob"
        +1h05m00s000ms (2) 099 -job=u0a231:"com.example.notes/.SyncJob"
        +2h00m00s000ms (2) 098 +top=u0a190:"com.whatsapp"

Per-PID Stats:
  PID 812 wake time: +1s

Daily stats:
  Current start time: 2024-03-01-03-05-00
  Next min deadline: 2024-03-02-01-00-00
  Daily from 2024-02-27-03-12-40 to 2024-02-28-03-09-55:
    Update com.example.notes vers=57
    Update com.whatsapp vers=240512004
  Daily from 2024-02-28-03-09-55 to 2024-02-29-03-10-00:
    Update com.example.notes vers=55
    Update com.example.spy vers=0
"""

DBINFO = """\
Applications Database Info:

** Database info for pid 4711 [com.example.notes] **

Connection pool for /data/user/0/com.example.notes/databases/notes.db:
  Open: true
  Max connections: 1
  Total execution time: 12
  Available primary connection:
    Connection #0:
      isPrimaryConnection: true
      onlyAllowReadOnlyOperations: false
      Most recently executed operations:
        0: [2024-02-28 21:14:05.120] [Pid:(4711)]executeForCursorWindow took 1ms - succeeded, sql="SELECT _id, title FROM notes", path=/data/user/0/com.example.notes/databases/notes.db
        1: [02-28 21:14:04.000] executeForChangedRowCount took 0ms - succeeded, sql="DELETE FROM notes WHERE _id=?", path=/data/user/0/com.example.notes/databases/notes.db
"""

PLATFORM_COMPAT = """\
ChangeId(168419799; name=DOWNSCALED; disabled; overridable; rawOverrides={com.example.removed=false, com.example.notes=true}; )
ChangeId(174042980; name=OVERRIDE_CAMERA_ROTATE_AND_CROP; disabled; overridable)
"""


def adb_section(keys: list[str], keystore: list[tuple[str, int]]) -> str:
    """`dumpsys adb` with `user_keys` and an XML keystore."""
    lines = ["ADB MANAGER STATE (dumpsys adb):", "{", "  debugging_manager={",
             "    connected_to_adb=true", "    last_key_received=" + (keys[0][:20] if keys else "")]
    if keys:
        lines.append(f"    user_keys={keys[0]}")
        lines += keys[1:]
    lines.append("    keystore=<?xml version='1.0' encoding='utf-8' standalone='yes' ?>")
    lines.append('<keyStore version="1">')
    lines += [f'<adbKey key="{key}" lastConnection="{last}" />' for key, last in keystore]
    lines += ["</keyStore>", "  }", "}"]
    return "\n".join(lines) + "\n"


def adb_key(seed: str, comment: str) -> str:
    """A base64 Android ADB public key (524 bytes of an RSA key struct, faithful length)."""
    import base64

    raw = hashlib.sha256(seed.encode()).digest() * 16 + b"\x00" * 12
    return f"{base64.b64encode(raw[:524]).decode()} {comment}"


HOST_KEY = adb_key("acquiring host", "analyst@laptop")  # the acquisition's adb key


DEVICE_POLICY = """\
Current Device Policy Manager state:
  Immutable state:
    mHasFeature=true
    mIsWatch=false
  Device policy cache:
    Screen capture disallowed users: {}
  Enabled Device Admins (User 0, provisioningState: 0):
    com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver:
      uid=10150
      testOnlyAdmin=false
      policies:
        wipe-data
        reset-password
        force-lock
      passwordQuality=0x0
    com.example.spy/.receiver.AdminReceiver:
      uid=10231
      testOnlyAdmin=false
      policies:
        wipe-data
        watch-login
      passwordQuality=0x0
    mPasswordOwner=-1
  Constants:
    DAS_DIED_SERVICE_RECONNECT_BACKOFF_SEC: 3600
"""


SETTINGS = """\
CONFIG SETTINGS (user 0)
version: 1
_id:1 name:activity_manager/max_cached_processes pkg:com.google.android.gms value:32 default:32 defaultSystemSet:true

GLOBAL SETTINGS (user 0)
version: 215
_id:105 name:adb_enabled pkg:android value:1 default:0 defaultSystemSet:true
_id:77 name:package_verifier_enable pkg:com.android.shell value:0
_id:80 name:device_name pkg:android value:Pixel de Ana default:Pixel 6 defaultSystemSet:true tag:x

Historical operations
  Update package_verifier_enable 2024-02-28 21:00:00 pkg=com.android.shell

SECURE SETTINGS (user 0)
version: 210
_id:201 name:enabled_accessibility_services pkg:com.android.settings value:com.example.spy/com.example.spy.A11y
_id:202 name:enabled_notification_listeners pkg:android value:{null}

SYSTEM SETTINGS (user 10)
version: 200
_id:301 name:screen_brightness pkg:android value:102
"""
