"""The in-sandbox side of ``evalscope.sandbox``: run as ``python -I _runner.py CONFIG`` (stdlib only).

Inside the fresh namespaces (or, in ``unsafe-local`` mode, a plain child process) it: reads its config and the
program, hides the shared temporary directories behind private size-limited tmpfs mounts (when it owns a mount
namespace), makes a working directory, then forks the program's process, which sets the resource limits, drops to a
throwaway uid (when it is real root) and ``exec``s the interpreter on the program. Any failure of its own exits with ``SETUP_FAILED`` and a line on
stderr starting ``sandbox:``; the parent reports that as a sandbox error, never as the program's failure.
"""

import ctypes
import json
import os
import resource
import sys

SETUP_FAILED = 125
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
PYTHON_MOUNT = "/tmp/.python"
"""Where the interpreter's installation is bind-mounted (read-only) for a uid that cannot reach the original."""
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def _mount(libc, source, target, fstype, flags, data):
    if libc.mount(source, target, fstype, flags, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target.decode()}: {os.strerror(err)}")


def _private_tmp(size_bytes, python_home):
    """Private tmpfs over the shared temporary directories; the interpreter's home bind-mounted read-only."""
    libc = ctypes.CDLL(None, use_errno=True)
    _mount(libc, b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    options = f"size={size_bytes},mode=1777".encode()
    for path in PRIVATE_TMP:
        if os.path.isdir(path):
            _mount(libc, b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options)
    # a /proc of the new PID namespace: the program sees its own processes, not the host's (their command lines)
    _mount(libc, b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    os.mkdir(PYTHON_MOUNT, 0o755)
    _mount(libc, python_home.encode(), PYTHON_MOUNT.encode(), None, MS_BIND, None)
    _mount(libc, b"none", PYTHON_MOUNT.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, None)


def _limits(cfg):
    def both(kind, value):
        resource.setrlimit(kind, (value, value))

    cpu = int(cfg["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    both(resource.RLIMIT_AS, int(cfg["memory_bytes"]))
    both(resource.RLIMIT_FSIZE, int(cfg["file_bytes"]))
    both(resource.RLIMIT_NOFILE, int(cfg["open_files"]))
    both(resource.RLIMIT_CORE, 0)
    both(resource.RLIMIT_NPROC, int(cfg["processes"]))


def main(config_path):
    with open(config_path, encoding="utf-8") as f:
        cfg = json.load(f)
    with open(cfg["program"], "rb") as f:
        program = f.read()
    python = cfg["python"]
    if cfg["private_tmp"]:
        _private_tmp(int(cfg["tmp_bytes"]), cfg["python_home"])
        python = os.path.join(PYTHON_MOUNT, cfg["python_rel"])
        workdir = "/tmp/sandbox"
        os.mkdir(workdir, 0o700)
    else:
        workdir = cfg["workdir"]
    path = os.path.join(workdir, "program.py")
    with open(path, "wb") as f:
        f.write(program)
    uid = cfg.get("uid")
    if uid is not None:
        os.chown(workdir, uid, uid)
        os.chown(path, uid, uid)
    os.chdir(workdir)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    child = os.fork()
    if child == 0:  # the program: limits, then the throwaway uid, then the interpreter
        try:
            _limits(cfg)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            os.execve(python, [python, "-I", path], env)
        except BaseException as exc:  # noqa: BLE001
            sys.stderr.write(f"sandbox: setup failed: {type(exc).__name__}: {exc}\n")
        finally:
            os._exit(SETUP_FAILED)
    # this process stays as the namespace's init (signals from the kernel reach the program as usual); when it
    # exits, the kernel kills whatever the program left running
    _, status = os.waitpid(child, 0)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BaseException as exc:  # noqa: BLE001 - anything here is the sandbox's own failure
        sys.stderr.write(f"sandbox: setup failed: {type(exc).__name__}: {exc}\n")
        sys.stderr.flush()
        os._exit(SETUP_FAILED)
