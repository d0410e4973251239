# Fixed Python sandbox harness, run by the parent as `python3 -s -S -P -c <this file>` with a
# cleared environment. Roles:
#   - the supervisor (this process, trusted) reads the request from stdin, forks the candidate
#     process, then (when started as root inside the sandbox namespaces) drops to its own uid,
#     different from the candidate's, so the candidate can neither signal it nor read its memory;
#   - the candidate process closes stdin, sends its stdout to stderr, sets rlimits, drops to its
#     uid, installs an audit hook (defence in depth) and only then runs the candidate program;
#   - the supervisor reads the per-run nonce from stdin only after the fork (the candidate closed
#     its copy of stdin first), runs the tests itself, calling candidate functions over a pipe
#     (values cross as tagged JSON and are rebuilt here from plain builtins, so an object whose
#     __eq__ always returns True never reaches a comparison), and alone writes `<nonce> <json>` to
#     stdout. Input/output expected values never enter the sandbox: the parent compares them.
import builtins
import os
import resource
import struct
import sys
import time

# Never import from the working directory: the candidate can write files there. (-P does this on
# Python 3.11+; this covers older interpreters started without it.)
sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]

MAX_MSG = 8 << 20
FunctionType = type(lambda: None)


# JSON through the C accelerator directly: `import json` pulls in `re` and costs more than the
# rest of the harness start. Same grammar and output as json.loads / json.dumps(allow_nan=False).
def _json_codec():
    try:
        import _json
    except ImportError:
        import json

        return json.loads, lambda obj: json.dumps(obj, allow_nan=False)

    class Context:
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = {"NaN": float("nan"), "Infinity": float("inf"),
                          "-Infinity": float("-inf")}.__getitem__
        memo = {}

    scan = _json.make_scanner(Context())
    space = " \t\n\r"

    def loads(text):
        if isinstance(text, (bytes, bytearray)):
            text = text.decode("utf-8")
        i, n = 0, len(text)
        while i < n and text[i] in space:
            i += 1
        try:
            obj, end = scan(text, i)
        except StopIteration as e:
            raise ValueError("invalid JSON at %s" % e.value) from None
        while end < n and text[end] in space:
            end += 1
        if end != n:
            raise ValueError("extra data after JSON at %d" % end)
        return obj

    def refuse(o):
        raise TypeError("%s is not JSON serializable" % type(o).__name__)

    def dumps(obj):
        # a fresh marker dict per call, as json.dumps does (cycle detection state)
        encoder = _json.make_encoder(
            {}, refuse, _json.encode_basestring_ascii, None, ": ", ", ", False, False, False
        )
        return "".join(encoder(obj, 0))

    return loads, dumps


json_loads, json_dumps = _json_codec()



def read_exact(fd, n):
    parts = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            raise EOFError("pipe closed")
        parts.append(b)
        n -= len(b)
    return b"".join(parts)


def write_all(fd, data):
    view = memoryview(data)
    while len(view):
        view = view[os.write(fd, view):]


def send(fd, obj):
    try:
        data = json_dumps(obj).encode()
    except (ValueError, TypeError, RecursionError) as e:
        # e.g. an int beyond Python's int-to-text limit: say so instead of dying
        why = str(e)
        if "integer string conversion" in why:
            why = "an integer of more than %d digits" % getattr(
                sys, "get_int_max_str_digits", lambda: 4300)()
        data = json_dumps({"err": ["ValueError", "the value cannot cross the sandbox: %s" % why]})
        data = data.encode()
    if len(data) > MAX_MSG:
        data = json_dumps({"err": ["ValueError", "value too large to cross the sandbox"]}).encode()
    write_all(fd, struct.pack(">Q", len(data)) + data)


def recv(fd):
    (n,) = struct.unpack(">Q", read_exact(fd, 8))
    if n > MAX_MSG:
        raise ValueError("message too large")
    return json_loads(read_exact(fd, n))


class Ref:
    """An opaque handle to a non-data object that lives in the candidate process."""

    __slots__ = ("rid",)

    def __init__(self, rid):
        self.rid = rid

    def __repr__(self):
        return "<candidate object #%d>" % self.rid


def encode(v, refs=None, depth=0):
    if depth > 100:
        raise ValueError("value nested too deeply")
    t = type(v)
    if v is None or t is bool or t is str or t is int:
        return v
    if t is float:
        return v if v == v and v not in (float("inf"), float("-inf")) else {"$f": repr(v)}
    if t is list:
        return [encode(x, refs, depth + 1) for x in v]
    if t is tuple:
        return {"$t": [encode(x, refs, depth + 1) for x in v]}
    if t is dict:
        return {"$d": [[encode(k, refs, depth + 1), encode(x, refs, depth + 1)] for k, x in v.items()]}
    if t is set:
        return {"$s": [encode(x, refs, depth + 1) for x in v]}
    if t is frozenset:
        return {"$fs": [encode(x, refs, depth + 1) for x in v]}
    if t is bytes:
        return {"$b": v.hex()}
    if t is complex:
        return {"$c": [v.real, v.imag]}
    if t is Ref:
        return {"$r": v.rid}
    if refs is not None:
        refs.append(v)
        return {"$r": len(refs) - 1}
    raise TypeError("a %s cannot cross the sandbox boundary" % t.__name__)


def decode(v, refs=None, depth=0):
    if depth > 100:
        raise ValueError("value nested too deeply")
    t = type(v)
    if v is None or t is bool or t is str or t is int or t is float:
        return v
    if t is list:
        return [decode(x, refs, depth + 1) for x in v]
    if t is dict and len(v) == 1:
        ((k, x),) = v.items()
        if k == "$t" and type(x) is list:
            return tuple(decode(y, refs, depth + 1) for y in x)
        if k == "$d" and type(x) is list:
            out = {}
            for pair in x:
                if type(pair) is not list or len(pair) != 2:
                    raise ValueError("malformed dict")
                out[decode(pair[0], refs, depth + 1)] = decode(pair[1], refs, depth + 1)
            return out
        if k == "$s" and type(x) is list:
            return set(decode(y, refs, depth + 1) for y in x)
        if k == "$fs" and type(x) is list:
            return frozenset(decode(y, refs, depth + 1) for y in x)
        if k == "$b" and type(x) is str:
            return bytes.fromhex(x)
        if k == "$c" and type(x) is list and len(x) == 2:
            return complex(float(x[0]), float(x[1]))
        if k == "$f" and x in ("nan", "inf", "-inf"):
            return float(x)
        if k == "$r" and type(x) is int:
            if refs is None:
                return Ref(x)
            if 0 <= x < len(refs):
                return refs[x]
    raise ValueError("malformed value")


# ---------------------------------------------------------------- candidate process

def install_audit_hook(cwd):
    blocked = frozenset({
        "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
        "subprocess.Popen", "os.kill", "os.killpg", "signal.pthread_kill", "socket.__new__",
        "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo",
        "ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "os.putenv", "os.unsetenv",
        "sys.remote_exec", "pty.spawn",
    })
    path_events = frozenset({
        "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link",
        "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile",
        "shutil.move", "os.chdir",
    })
    listing_events = frozenset({"os.listdir", "os.scandir", "glob.glob"})
    no_import = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "mmap"})
    read_ok = tuple(os.path.realpath(p).rstrip("/") + "/" for p in sys.path if p.startswith("/"))
    devices = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero")
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def inside(path):
        if isinstance(path, int):
            return True, None
        # realpath, not abspath: a symlink made in the working directory (relative, after a
        # chdir) must be judged by where it points
        p = os.path.realpath(os.fsdecode(path))
        return p == cwd or p.startswith(cwd + "/"), p

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or path is None:
                return
            ok, p = inside(path)
            if ok:
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags
            )
            if writing or not (p.startswith(read_ok) or p in devices):
                raise PermissionError("sandbox: opening %s is not allowed" % p)
        elif event in blocked:
            raise PermissionError("sandbox: %s is not allowed" % event)
        elif event in listing_events:
            if args and isinstance(args[0], (str, bytes)):
                ok, p = inside(args[0])
                if not ok and not (p + "/").startswith(read_ok):
                    raise PermissionError("sandbox: listing %s is not allowed" % p)
        elif event in path_events:
            for a in args[:2]:
                if isinstance(a, (str, bytes)):
                    ok, p = inside(a)
                    if not ok:
                        raise PermissionError("sandbox: %s on %s is not allowed" % (event, p))
        elif event == "import" and args[0] in no_import:
            raise PermissionError("sandbox: importing %s is not allowed" % args[0])

    sys.addaudithook(hook)


def candidate_main(req, req_r, resp_w):
    limits = req["limits"]
    cwd = os.path.realpath(os.getcwd())
    mem = limits["memory_mb"] << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_s"], limits["cpu_s"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fsize_mb"] << 20,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    uid = req.get("candidate_uid")
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if req.get("audit_hook", True):
        install_audit_hook(cwd)
    g = {"__name__": "__candidate__", "__builtins__": builtins}
    refs = []
    try:
        exec(compile(req["program"], "<candidate>", "exec"), g)
    except BaseException as e:  # noqa: BLE001 - SystemExit included: exiting is a load failure
        send(resp_w, {"load_error": "%s: %s" % (type(e).__name__, e)})
        return
    send(resp_w, {"loaded": True})
    while True:
        try:
            msg = recv(req_r)
        except EOFError:
            return
        if msg["op"] == "names":
            send(resp_w, {"names": [n for n in msg["names"] if callable(g.get(n))]})
            continue
        try:
            fn = g[msg["name"]]
            args = decode(msg["args"], refs)
            kwargs = decode(msg["kwargs"], refs)
            value = fn(*args, **kwargs)
            out = {"ok": encode(value, refs)}
        except BaseException as e:  # noqa: BLE001
            try:
                text = str(e)[:2000]
            except BaseException:  # noqa: BLE001
                text = "unprintable exception"
            out = {"err": [type(e).__name__, text]}
        send(resp_w, out)


# ---------------------------------------------------------------- supervisor

class CandidateDied(Exception):
    pass


SAFE_EXCEPTIONS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == "builtins"
}


class Supervisor:
    def __init__(self, pid, req_w, resp_r):
        self.pid = pid
        self.req_w = req_w
        self.resp_r = resp_r
        self.memory_error = False

    def death(self):
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return CandidateDied("candidate process ended")
        if os.WIFSIGNALED(status):
            return CandidateDied("candidate process killed by signal %d" % os.WTERMSIG(status))
        return CandidateDied("candidate process exited with status %d" % os.WEXITSTATUS(status))

    def ask(self, msg):
        try:
            send(self.req_w, msg)
            return recv(self.resp_r)
        except (EOFError, BrokenPipeError):
            raise self.death() from None

    def call(self, name, args, kwargs):
        reply = self.ask({
            "op": "call", "name": name, "args": encode(list(args)),
            "kwargs": encode(dict(kwargs)),
        })
        if "err" in reply:
            kind, text = reply["err"]
            if kind == "MemoryError":
                self.memory_error = True
            exc = SAFE_EXCEPTIONS.get(kind)
            if exc is None or kind in ("SystemExit", "KeyboardInterrupt"):
                raise RuntimeError("candidate raised %s: %s" % (kind, text))
            raise exc(text)
        return decode(reply["ok"])


class CandidateFunction:
    """Stands in for a function of the candidate program inside the supervisor."""

    def __init__(self, sup, name):
        self._sup = sup
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return self._sup.call(self.__name__, args, kwargs)

    def __repr__(self):
        return "<candidate function %s>" % self.__name__


def to_json(v):
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t in (list, tuple):
        return [to_json(x) for x in v]
    if t in (set, frozenset):
        items = [to_json(x) for x in v]
        try:
            return sorted(items)
        except TypeError:
            return items
    if t is dict:
        return {(k if type(k) is str else json_dumps(to_json(k))): to_json(x) for k, x in v.items()}
    raise TypeError("returned a %s, which has no JSON form" % ("object" if t is Ref else t.__name__))


def describe(e):
    if isinstance(e, AssertionError):
        tb = e.__traceback__
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<tests>":
                line = tb.tb_lineno
            tb = tb.tb_next
        text = ": %s" % e if str(e) else ""
        return "AssertionError at test line %s%s" % (line, text)
    return "%s: %s" % (type(e).__name__, e)


def run_io(sup, req):
    results = []
    fn = CandidateFunction(sup, req["entry_point"])
    for args in req["inputs"]:
        try:
            results.append({"json": json_dumps(to_json(fn(*args)))})
        except CandidateDied as e:
            results.append({"error": str(e), "died": True})
            break
        except Exception as e:  # noqa: BLE001
            results.append({"error": describe(e)})
    return {"kind": "io", "results": results, "memory_error": sup.memory_error}


def run_code(sup, req, names):
    import ast

    try:
        tree = ast.parse(req["code"], "<tests>")
    except SyntaxError as e:
        return {"kind": "test_error", "error": "test code does not parse: %s" % e}
    ns = {"__name__": "__main__", "__builtins__": builtins}
    for name in names:
        ns[name] = CandidateFunction(sup, name)
    try:
        exec(compile(tree, "<tests>", "exec"), ns)
        check = ns.get("check")
        entry = req.get("entry_point")
        if entry and isinstance(check, FunctionType):
            if entry not in names:
                return {"kind": "missing_entry", "error": "function %s is not defined" % entry}
            check(ns.get(entry) if isinstance(ns.get(entry), CandidateFunction)
                  else CandidateFunction(sup, entry))
    except CandidateDied as e:
        return {"kind": "died", "error": str(e)}
    except Exception as e:  # noqa: BLE001
        return {"kind": "code", "ok": False, "error": describe(e), "memory_error": sup.memory_error}
    return {"kind": "code", "ok": True}


def wanted_names(req):
    names = set()
    if req.get("entry_point"):
        names.add(req["entry_point"])
    if req.get("code") is not None:
        import ast

        try:
            tree = ast.parse(req["code"])
        except SyntaxError:
            return sorted(names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                names.add(node.id)
    return sorted(n for n in names if not hasattr(builtins, n))


def become_subreaper():
    """prctl(PR_SET_CHILD_SUBREAPER): orphans below this process are reparented to it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    except Exception:  # noqa: BLE001 - without it the parent's /proc sweep still applies
        pass


def descendants():
    me = os.getpid()
    parent = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        parent[int(name)] = int(fields[1])
    found, frontier = set(), {me}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier and p not in found}
        found |= frontier
    return found


def kill_descendants():
    """SIGKILLs and reaps every process below this one until none is left (process mode)."""
    for _ in range(200):
        tree = descendants()
        for p in tree:
            try:
                os.kill(p, 9)
            except OSError:
                pass
        while True:
            try:
                reaped, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if reaped == 0:
                break
        if not tree:
            return
        time.sleep(0.005)


def main():
    (size,) = struct.unpack(">Q", read_exact(0, 8))
    req = json_loads(read_exact(0, size))
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(0)
            os.close(req_w)
            os.close(resp_r)
            os.dup2(2, 1)
            candidate_main(req, req_r, resp_w)
        except BaseException:  # noqa: BLE001
            code = 70
        os._exit(code)
    os.close(req_r)
    os.close(resp_w)
    uid = req.get("supervisor_uid")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    else:
        # process mode: no PID namespace ends the run's processes, so every descendant that
        # detaches (setsid, double fork) is reparented here and killed before the verdict
        become_subreaper()
    nonce = read_exact(0, 32).decode("ascii")
    os.close(0)
    sup = Supervisor(pid, req_w, resp_r)
    try:
        first = recv(resp_r)
    except (EOFError, ValueError):
        result = {"kind": "load_error", "error": str(sup.death())}
    else:
        if "load_error" in first:
            result = {"kind": "load_error", "error": first["load_error"]}
        else:
            try:
                reply = sup.ask({"op": "names", "names": wanted_names(req)})
                names = set(n for n in reply.get("names", []) if type(n) is str)
                names &= set(wanted_names(req))
                if req.get("inputs") is not None:
                    if req["entry_point"] not in names:
                        result = {"kind": "missing_entry",
                                  "error": "function %s is not defined" % req["entry_point"]}
                    else:
                        result = run_io(sup, req)
                else:
                    result = run_code(sup, req, names)
            except CandidateDied as e:
                result = {"kind": "died", "error": str(e)}
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    if uid is None:
        kill_descendants()
    write_all(1, ("\n%s %s\n" % (nonce, json_dumps(result))).encode())
    os._exit(0)


main()
