#!/usr/bin/env python3
"""lazyfs: a FUSE filesystem that forgets what was never made durable, the way a power cut does.

    lazyfs.py mount BACKING DURABLE MOUNTPOINT [--torn SEED] [--report FILE]
                                                 serve (foreground) until unmounted or killed
    lazyfs.py selftest                           prove it drops and keeps what POSIX says

Every operation passes through to BACKING. Beside it, DURABLE holds what a disk would still
have after losing power, following the POSIX contract rather than ext4's kindness:

  - a file's data (and size) is durable as of its last fsync/fdatasync, per inode;
  - a directory's entries (create, rename, unlink, mkdir, rmdir, link, symlink) are durable as
    of the last fsync of that directory; a renamed or new file whose directory was never
    fsynced is gone, whatever was done to its data.

Writing `freeze` to the hidden control file MOUNTPOINT/.lazyfs-control is the power cut: from
then on nothing becomes durable and every fsync blocks forever (the machine is off, so no
fsync can ever return and no acknowledgement that waits for one can go out). The operations
are served one at a time, so the cut lands between two of them, never inside one. Then kill
the writers and this process, `fusermount -u -z MOUNTPOINT`, and mount again: a mount always
starts by rebuilding BACKING from DURABLE, which is the state after the power came back.

`arm OP GLOB [TEXT]` written to the control file cuts the power by itself right after the first
OP (create, write, rename, link, unlink, fsync) on a path (relative to the mount, `*` crossing
`/`) matching GLOB, for a write only one whose data contains TEXT: a cut forced into a moment
(mid compression, mid checkpoint...) that random timing would rarely meet. `disarm` drops
the triggers.

With --report FILE, the cut writes FILE (atomically, outside the mount) as JSON saying what was
in flight: `reason` ("control" or the trigger that fired), `dirty` (regular files with bytes
written since their last fsync: path, size, durable_size), and `entries` (per directory whose
entries differ from its durable ones: dir, added, removed). The loop tells the moments from it.

The first mount of a BACKING without a DURABLE takes BACKING as it is as durable.
Durable data lives in DURABLE/data/<inode> and the directory map in DURABLE/state.json, both
replaced atomically (this process may be killed at any moment too).
"""
import errno
import fnmatch
import json
import os
import shutil
import stat
import sys
import threading

CONTROL = ".lazyfs-control"


class DurableStore:
    """What survives a power cut: per-inode file data and per-directory entry maps."""

    def __init__(self, backing, durable):
        self.backing = backing
        self.durable = durable
        self.data = os.path.join(durable, "data")
        # Durable nodes are keyed by a name of their own, not by inode number: an unlinked
        # inode's number is reused by the next file, while the durable tree may still hold the
        # old file. key -> {"kind": "f"|"d"|"l", "mode": int, "target": str?}
        self.nodes = {}
        # directory key -> {name: key}
        self.dirs = {}
        self.live = {}  # inode of a visible file -> its key
        self.next_key = 0
        self.root = self.key(os.lstat(backing).st_ino)

    def key(self, ino):
        if ino not in self.live:
            self.next_key += 1
            self.live[ino] = f"n{self.next_key}"
        return self.live[ino]

    def forget(self, path):
        """Before an unlink, rmdir or rename over `path`: if that removes the inode's last name,
        its number may be reused, so a new file with it gets a new key."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode) or st.st_nlink <= 1:
            self.live.pop(st.st_ino, None)

    # -- persistence of the store itself (atomic, this process may die any time) --

    def save(self):
        state = {
            "root": self.root,
            "nodes": self.nodes,
            "dirs": self.dirs,
        }
        path = os.path.join(self.durable, "state.json")
        with open(path + ".tmp", "w") as f:
            json.dump(state, f)
        os.replace(path + ".tmp", path)

    def load(self):
        with open(os.path.join(self.durable, "state.json")) as f:
            state = json.load(f)
        self.root = state["root"]
        self.nodes = state["nodes"]
        self.dirs = state["dirs"]

    def node_of(self, st, path):
        kind = "d" if stat.S_ISDIR(st.st_mode) else "l" if stat.S_ISLNK(st.st_mode) else "f"
        node = {"kind": kind, "mode": stat.S_IMODE(st.st_mode)}
        if kind == "l":
            node["target"] = os.readlink(path)
        return node

    # -- making things durable --

    def sync_file(self, fd, path):
        """fsync/fdatasync of a regular file: its current bytes become its durable bytes."""
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return
        key = self.key(st.st_ino)
        target = os.path.join(self.data, key)
        # The writer's descriptor may be write-only: read the same inode through /proc.
        reader = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY)
        try:
            with open(target + ".tmp", "wb") as out:
                offset = 0
                while True:
                    chunk = os.pread(reader, 1 << 20, offset)
                    if not chunk:
                        break
                    out.write(chunk)
                    offset += len(chunk)
        finally:
            os.close(reader)
        os.replace(target + ".tmp", target)
        node = {"kind": "f", "mode": stat.S_IMODE(st.st_mode)}
        if self.nodes.get(key) != node:
            self.nodes[key] = node
            self.save()

    def sync_directory(self, path):
        """fsync of a directory: its current entries become its durable entries."""
        st = os.lstat(path)
        entries = {}
        for name in os.listdir(path):
            if path == self.backing and name == CONTROL:
                continue
            child = os.path.join(path, name)
            cst = os.lstat(child)
            key = self.key(cst.st_ino)
            entries[name] = key
            if key not in self.nodes or self.nodes[key]["kind"] != "f":
                self.nodes[key] = self.node_of(cst, child)
        directory = self.key(st.st_ino)
        self.dirs[directory] = entries
        self.nodes.setdefault(directory, {"kind": "d", "mode": stat.S_IMODE(st.st_mode)})
        self.save()

    def snapshot_everything(self):
        """Takes BACKING as it stands as durable (first mount, and right after a rebuild)."""
        shutil.rmtree(self.durable, ignore_errors=True)
        os.makedirs(self.data)
        self.nodes, self.dirs, self.live = {}, {}, {}
        self.root = self.key(os.lstat(self.backing).st_ino)
        for directory, subdirs, files in os.walk(self.backing):
            st = os.lstat(directory)
            dkey = self.key(st.st_ino)
            self.nodes[dkey] = {"kind": "d", "mode": stat.S_IMODE(st.st_mode)}
            entries = {}
            for name in subdirs + files:
                child = os.path.join(directory, name)
                cst = os.lstat(child)
                key = self.key(cst.st_ino)
                entries[name] = key
                self.nodes[key] = self.node_of(cst, child)
                if stat.S_ISREG(cst.st_mode):
                    shutil.copyfile(child, os.path.join(self.data, key))
            self.dirs[dkey] = entries
        self.save()

    def rebuild(self, torn=None):
        """The power came back: BACKING becomes exactly the durable tree, and the durable store
        stays as it is (BACKING now matches it), with this mount's inodes mapped to its keys.
        Entries whose bytes already equal their durable bytes are left in place, so a remount
        costs what the cut changed, not the size of the tree. With `torn` (a random.Random), a
        file whose visible bytes at the cut were its durable bytes plus an unsynced append keeps,
        half of the time, a random prefix of that append: POSIX lets any part of unsynced data
        reach the disk, and a torn last line is what recovery must cut. Those bytes are durable
        from then on, as everything a remount shows."""
        self.load()
        self.live = {}
        made = {}  # key -> path already created (hard links)

        def remove(path):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            elif os.path.lexists(path):
                os.unlink(path)

        def read(path):
            with open(path, "rb") as f:
                return f.read()

        def fill(directory_key, path, depth):
            wanted = self.dirs.get(directory_key, {})
            for name in os.listdir(path):
                if name not in wanted:
                    remove(os.path.join(path, name))
            for name, ino in sorted(wanted.items()):
                child = os.path.join(path, name)
                node = self.nodes.get(ino, {"kind": "f", "mode": 0o644})
                try:
                    existing = os.lstat(child)
                except FileNotFoundError:
                    existing = None
                if ino in made and node["kind"] == "f":
                    remove(child)
                    os.link(made[ino], child)
                elif node["kind"] == "d":
                    if depth > 64 or ino in made:
                        remove(child)
                        continue
                    if existing is None or not stat.S_ISDIR(existing.st_mode):
                        remove(child)
                        os.mkdir(child)
                    made[ino] = child
                    self.live[os.lstat(child).st_ino] = ino
                    fill(ino, child, depth + 1)
                    os.chmod(child, node["mode"])
                elif node["kind"] == "l":
                    remove(child)
                    os.symlink(node["target"], child)
                    self.live[os.lstat(child).st_ino] = ino
                else:
                    source = os.path.join(self.data, ino)
                    durable = read(source) if os.path.exists(source) else b""  # entry synced, data maybe never
                    regular = existing is not None and stat.S_ISREG(existing.st_mode) and existing.st_nlink == 1
                    seen = read(child) if regular and (existing.st_size == len(durable) or torn is not None) else None
                    if seen != durable:
                        remove(child)
                        content = durable
                        if torn is not None and seen is not None and len(seen) > len(durable) and seen.startswith(durable) \
                                and torn.random() < 0.5:
                            kept = torn.randrange(1, len(seen) - len(durable) + 1)
                            sys.stderr.write(f"lazyfs: torn {child}: kept {kept} of {len(seen) - len(durable)} unsynced bytes\n")
                            content = seen[:len(durable) + kept]
                            with open(source + ".tmp", "wb") as f:
                                f.write(content)
                            os.replace(source + ".tmp", source)
                        with open(child, "wb") as f:
                            f.write(content)
                    os.chmod(child, node["mode"])
                    made[ino] = child
                    self.live[os.lstat(child).st_ino] = ino

        self.live[os.lstat(self.backing).st_ino] = self.root
        fill(self.root, self.backing, 0)
        # What the tree no longer reaches is gone for good: drop it from the store.
        reachable = set(made) | {self.root} | {ino for ino in self.live.values()}
        self.nodes = {k: v for k, v in self.nodes.items() if k in reachable}
        self.dirs = {k: v for k, v in self.dirs.items() if k in reachable}
        for name in os.listdir(self.data):
            if name not in reachable:
                os.unlink(os.path.join(self.data, name))
        self.next_key = max([int(k[1:]) for k in self.nodes] + [int(self.root[1:])])
        self.save()


def serve(backing, durable, mountpoint, torn_seed=None, report_path=None):
    from fuse import FUSE, FuseOSError, Operations

    backing = os.path.realpath(backing)
    store = DurableStore(backing, durable)
    if os.path.exists(os.path.join(durable, "state.json")):
        import random
        store.rebuild(random.Random(torn_seed) if torn_seed is not None else None)
    else:
        store.snapshot_everything()
    frozen = threading.Event()
    dirty = set()  # inodes written (or truncated) since their last fsync
    triggers = []  # (op, glob, text or None) from `arm`

    def in_flight(reason):
        """What the cut interrupted: files with unsynced bytes and directories with unsynced entries."""
        report = {"reason": reason, "dirty": [], "entries": []}
        for directory, subdirs, files in os.walk(backing):
            relative = os.path.relpath(directory, backing)
            relative = "" if relative == "." else relative + "/"
            try:
                dst = os.lstat(directory)
            except FileNotFoundError:
                continue
            durable_names = set(store.dirs.get(store.live.get(dst.st_ino), {}).keys())
            names = set(subdirs) | set(files)
            if not relative:
                names.discard(CONTROL)
            added, removed = sorted(names - durable_names), sorted(durable_names - names)
            if added or removed:
                report["entries"].append({"dir": relative.rstrip("/"), "added": added, "removed": removed})
            for name in files:
                try:
                    st = os.lstat(os.path.join(directory, name))
                except FileNotFoundError:
                    continue
                if st.st_ino in dirty and stat.S_ISREG(st.st_mode):
                    key = store.live.get(st.st_ino)
                    durable_file = os.path.join(store.data, key) if key else None
                    durable_size = os.path.getsize(durable_file) if durable_file and os.path.exists(durable_file) else 0
                    report["dirty"].append({"path": relative + name, "size": st.st_size, "durable_size": durable_size})
        return report

    def cut(reason):
        frozen.set()
        sys.stderr.write(f"lazyfs: frozen (power cut: {reason})\n")
        sys.stderr.flush()
        if report_path:
            with open(report_path + ".tmp", "w") as f:
                json.dump(in_flight(reason), f)
            os.replace(report_path + ".tmp", report_path)

    def fire(op, path, data=None):
        """Cuts the power after `op` on `path` if a trigger says so."""
        if not triggers or frozen.is_set():
            return
        relative = path.lstrip("/")
        for wanted, pattern, text in triggers:
            if wanted == op and fnmatch.fnmatchcase(relative, pattern) and (text is None or (data is not None and text in data)):
                cut(f"{op} {relative}")
                return

    def command(data):
        for line in data.decode(errors="replace").splitlines():
            words = line.split(None, 3)
            if words == ["freeze"]:
                if not frozen.is_set():
                    cut("control")
            elif words == ["disarm"]:
                triggers.clear()
            elif len(words) in (3, 4) and words[0] == "arm":
                triggers.append((words[1], words[2], words[3].encode() if len(words) == 4 else None))
            elif words:
                sys.stderr.write(f"lazyfs: unknown control command {line!r}\n")

    class LazyFS(Operations):
        def _full(self, path):
            return os.path.join(backing, path.lstrip("/"))

        def _control(self, path):
            return path == "/" + CONTROL

        def __call__(self, op, path, *args):
            try:
                return super().__call__(op, path, *args)
            except OSError as error:
                raise FuseOSError(error.errno or errno.EIO)

        def access(self, path, mode):
            if self._control(path):
                return 0
            if not os.access(self._full(path), mode):
                raise FuseOSError(errno.EACCES)

        def chmod(self, path, mode):
            return os.chmod(self._full(path), mode)

        def chown(self, path, uid, gid):
            return os.chown(self._full(path), uid, gid, follow_symlinks=False)

        def getattr(self, path, fh=None):
            if self._control(path):
                return {"st_mode": stat.S_IFREG | 0o600, "st_nlink": 1, "st_size": 0}
            st = os.lstat(self._full(path))
            return {key: getattr(st, key) for key in (
                "st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid", "st_ino")}

        def readdir(self, path, fh):
            names = [".", ".."] + os.listdir(self._full(path))
            return [n for n in names if not (path == "/" and n == CONTROL)]

        def readlink(self, path):
            return os.readlink(self._full(path))

        def mknod(self, path, mode, dev):
            return os.mknod(self._full(path), mode, dev)

        def mkdir(self, path, mode):
            return os.mkdir(self._full(path), mode)

        def rmdir(self, path):
            store.forget(self._full(path))
            return os.rmdir(self._full(path))

        def statfs(self, path):
            sv = os.statvfs(self._full(path))
            return {key: getattr(sv, key) for key in (
                "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

        def unlink(self, path):
            store.forget(self._full(path))
            os.unlink(self._full(path))
            fire("unlink", path)

        def symlink(self, target, source):
            return os.symlink(source, self._full(target))

        def rename(self, old, new):
            store.forget(self._full(new))
            os.rename(self._full(old), self._full(new))
            fire("rename", new)

        def link(self, target, source):
            os.link(self._full(source), self._full(target))
            fire("link", target)

        def utimens(self, path, times=None):
            if self._control(path):
                return 0
            return os.utime(self._full(path), times, follow_symlinks=False)

        def open(self, path, flags):
            if self._control(path):
                return os.open("/dev/null", os.O_WRONLY)
            return os.open(self._full(path), flags & ~os.O_DIRECT if hasattr(os, "O_DIRECT") else flags)

        def create(self, path, mode, fi=None):
            if self._control(path):
                return os.open("/dev/null", os.O_WRONLY)
            fd = os.open(self._full(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            fire("create", path)
            return fd

        def read(self, path, length, offset, fh):
            return os.pread(fh, length, offset)

        def write(self, path, data, offset, fh):
            if self._control(path):
                command(data)
                return len(data)
            written = os.pwrite(fh, data, offset)
            dirty.add(os.fstat(fh).st_ino)
            fire("write", path, data)
            return written

        def truncate(self, path, length, fh=None):
            if self._control(path):
                return 0
            if fh is not None:
                os.ftruncate(fh, length)
                dirty.add(os.fstat(fh).st_ino)
                return 0
            with open(self._full(path), "r+") as f:
                f.truncate(length)
                dirty.add(os.fstat(f.fileno()).st_ino)

        def flush(self, path, fh):
            return 0

        def release(self, path, fh):
            return os.close(fh)

        def fsync(self, path, datasync, fh):
            if frozen.is_set():
                threading.Event().wait()  # the power is off: this fsync never returns
            store.sync_file(fh, self._full(path))
            dirty.discard(os.fstat(fh).st_ino)
            fire("fsync", path)
            return 0

        def fsyncdir(self, path, datasync, fh):
            if frozen.is_set():
                threading.Event().wait()
            store.sync_directory(self._full(path))
            return 0

    # One operation at a time: the cut falls between two of them, and a blocked fsync after the
    # cut stops every other writer, as a machine without power does.
    FUSE(LazyFS(), mountpoint, foreground=True, nothreads=True, allow_other=False,
         attr_timeout=0, entry_timeout=0, negative_timeout=0, big_writes=True, max_write=131072,
         fsname="lazyfs")


# ---------------------------------------------------------------------------------------------
# selftest: mounts a lazyfs, does writes with and without fsync, cuts, remounts, checks.

def _selftest():
    import subprocess
    import tempfile
    import time

    root = tempfile.mkdtemp(prefix="lazyfs-selftest-")
    backing, durable, mnt = (os.path.join(root, n) for n in ("backing", "durable", "mnt"))
    for d in (backing, mnt):
        os.makedirs(d)
    with open(os.path.join(backing, "preexisting"), "wb") as f:
        f.write(b"old")
    failures = []
    checks = 0

    def mount(*extra):
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "mount", backing, durable, mnt, *extra],
                                   stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while not os.path.ismount(mnt):
            if process.poll() is not None or time.time() > deadline:
                raise SystemExit("lazyfs did not mount: " + process.stderr.read().decode(errors="replace"))
            time.sleep(0.02)
        return process

    def cut(process):
        with open(os.path.join(mnt, CONTROL), "w") as control:
            control.write("freeze")
        process.kill()
        process.wait()
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        if os.path.ismount(mnt):
            subprocess.run(["umount", "-l", mnt], check=False)

    def expect(name, condition):
        nonlocal checks
        checks += 1
        if not condition:
            failures.append(name)

    def path(*names):
        return os.path.join(mnt, *names)

    def write(p, data, sync=None):
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, data)
        if sync == "fsync":
            os.fsync(fd)
        elif sync == "fdatasync":
            os.fdatasync(fd)
        os.close(fd)

    def sync_dir(p):
        fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(fd)
        os.close(fd)

    def read(p):
        try:
            with open(p, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    try:
        fs = mount()
        expect("first mount shows what BACKING held", read(path("preexisting")) == b"old")
        # Part 1: data durability of files whose entries are durable.
        write(path("synced"), b"A")
        write(path("datasynced"), b"B")
        write(path("unsynced"), b"C")
        sync_dir(mnt)  # the three entries are durable now, none of their data yet
        write(path("synced"), b"1", "fsync")
        write(path("datasynced"), b"2", "fdatasync")
        write(path("unsynced"), b"3")
        write(path("synced"), b"-after")  # written after the last fsync: lost
        write(path("preexisting"), b"-appended")  # never synced: lost
        os.makedirs(path("sub"))
        sync_dir(mnt)
        write(path("sub", "in-unsynced-dir"), b"x", "fsync")  # data synced, entry not
        # Part 2: renames and unlinks.
        write(path("renamed-unsynced.tmp"), b"r1", "fsync")
        write(path("renamed-synced.tmp"), b"r2", "fsync")
        write(path("removed-unsynced"), b"u", "fsync")
        write(path("removed-synced"), b"v", "fsync")
        sync_dir(mnt)
        os.rename(path("renamed-synced.tmp"), path("renamed-synced"))
        os.unlink(path("removed-synced"))
        sync_dir(mnt)
        os.rename(path("renamed-unsynced.tmp"), path("renamed-unsynced"))
        os.unlink(path("removed-unsynced"))
        write(path("created-unsynced"), b"z", "fsync")  # data synced, entry never
        os.truncate(path("datasynced"), 0)  # truncation not synced: lost
        expect("before the cut, everything is visible", read(path("created-unsynced")) == b"z"
               and read(path("renamed-unsynced")) == b"r1" and read(path("datasynced")) == b"")
        cut(fs)

        fs = mount()
        expect("unsynced append to a preexisting file is lost", read(path("preexisting")) == b"old")
        expect("fsynced data is kept, data after the fsync is lost", read(path("synced")) == b"A1")
        expect("fdatasync counts as making data durable", read(path("datasynced")) == b"B2")
        expect("unsynced data is lost (entry durable, data never synced)", read(path("unsynced")) == b"")
        expect("a synced file in a directory whose entry was never synced is lost",
               read(path("sub", "in-unsynced-dir")) is None and os.path.isdir(path("sub")))
        expect("rename with a directory fsync is kept", read(path("renamed-synced")) == b"r2"
               and read(path("renamed-synced.tmp")) is None)
        expect("rename without a directory fsync is lost", read(path("renamed-unsynced")) is None
               and read(path("renamed-unsynced.tmp")) == b"r1")
        expect("unlink with a directory fsync is kept", read(path("removed-synced")) is None)
        expect("unlink without a directory fsync is lost", read(path("removed-unsynced")) == b"u")
        expect("a created file without a directory fsync is lost", read(path("created-unsynced")) is None)
        # Part 3: a second cut right after a remount keeps everything (the rebuild is durable).
        write(path("sub", "second"), b"s", "fsync")
        sync_dir(path("sub"))
        cut(fs)
        fs = mount()
        expect("a remount keeps what the last one rebuilt", read(path("synced")) == b"A1"
               and read(path("renamed-synced")) == b"r2")
        expect("a file in a durable directory with its directory fsynced is kept", read(path("sub", "second")) == b"s")
        expect("the control file is not listed", CONTROL not in os.listdir(mnt))
        # Part 3b: a remount leaves files whose bytes were durable in place, and they stay tied to
        # their durable copies: a later fsync of one is kept, an unsynced append to another is not.
        write(path("renamed-synced"), b"+synced", "fsync")
        write(path("synced"), b"+unsynced")
        # Part 4: after the cut an fsync never returns.
        with open(os.path.join(mnt, CONTROL), "w") as control:
            control.write("freeze")
        result = {}

        def blocked_fsync():
            fd = os.open(path("late"), os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"late")
            try:
                os.fsync(fd)
                result["returned"] = True
            except OSError:
                pass  # the connection to the dead lazyfs is gone

        thread = threading.Thread(target=blocked_fsync, daemon=True)
        thread.start()
        thread.join(0.5)
        expect("an fsync after the cut does not return", "returned" not in result)
        fs.kill()
        fs.wait()
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        thread.join(5)
        fs = mount()
        expect("a file written after the cut is gone", read(path("late")) is None)
        expect("a file left in place by a remount keeps its later fsync", read(path("renamed-synced")) == b"r2+synced")
        expect("a file left in place by a remount loses its later unsynced append", read(path("synced")) == b"A1")
        # Part 5: --torn keeps a random prefix of an unsynced append (a torn tail), never more.
        write(path("sub", "log"), b"abc", "fsync")
        sync_dir(path("sub"))
        write(path("sub", "log"), b"defgh")
        cut(fs)
        fs = mount("--torn", "3")
        torn = read(path("sub", "log"))
        expect("--torn keeps the synced bytes and a non-empty prefix of the unsynced append",
               torn is not None and b"abcdefgh".startswith(torn) and 3 < len(torn) <= 8)
        fs.terminate()
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        fs.wait()
        # Part 6: an armed trigger cuts right after the write it names, and the report says what
        # was in flight: the unsynced bytes of that file and the unsynced entries of its directory.
        report = os.path.join(root, "report.json")
        inode = os.lstat(os.path.join(backing, "sub", "second")).st_ino
        fs = mount("--report", report)
        expect("a remount leaves a file whose bytes are durable in place",
               os.lstat(os.path.join(backing, "sub", "second")).st_ino == inode)
        write(path("sub", "kept"), b"k", "fsync")
        sync_dir(path("sub"))
        with open(os.path.join(mnt, CONTROL), "w") as control:
            control.write("arm write sub/trig* MARK\n")
        write(path("sub", "trigger"), b"plain;")
        expect("an armed trigger does not fire on a write without its text", not os.path.exists(report))
        write(path("sub", "trigger"), b"xxMARKxx")
        write(path("sub", "kept"), b"-late")  # after the cut: visible now, not durable
        with open(report) as f:
            seen = json.load(f)
        dirty = {d["path"]: d for d in seen.get("dirty", [])}
        entries = {e["dir"]: e for e in seen.get("entries", [])}
        expect("the armed write cut the power and the report names it", seen.get("reason") == "write sub/trigger")
        expect("the report lists the written file's unsynced bytes",
               dirty.get("sub/trigger", {}).get("size") == 14 and dirty["sub/trigger"].get("durable_size") == 0
               and "sub/kept" not in dirty)
        expect("the report lists the directory's unsynced entry",
               entries.get("sub", {}).get("added") == ["trigger"] and entries["sub"].get("removed") == [])
        fs.kill()
        fs.wait()
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        fs = mount()
        expect("after an armed cut, what came after it is gone", read(path("sub", "trigger")) is None
               and read(path("sub", "kept")) == b"k")
        fs.terminate()
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        fs.wait()
    finally:
        subprocess.run(["fusermount", "-u", "-z", mnt], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps({"checks": checks, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "mount" and len(sys.argv) % 2 == 1:
        options = dict(zip(sys.argv[5::2], sys.argv[6::2]))
        if set(options) - {"--torn", "--report"}:
            sys.stderr.write(__doc__)
            sys.exit(2)
        serve(sys.argv[2], sys.argv[3], sys.argv[4], int(options["--torn"]) if "--torn" in options else None, options.get("--report"))
    elif len(sys.argv) == 2 and sys.argv[1] == "selftest":
        sys.exit(_selftest())
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
