"""The autograder zip on a bare OS image, the way Gradescope builds it.

A Debian image made with mmdebstrap (nothing of this machine inside) gets the zip's setup.sh,
then run_autograder grades the solution, the blank notebook and the file-reading attacks.  A
world-readable file planted in the image, outside /autograder, must not reach results.json.

Slow (it downloads a Debian base and the pinned wheels), so it runs where CI asks for it
(`CONV_GRADER_IMAGE_TEST=1`, set by .ci/run) and mmdebstrap is installed, as root.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADVERSARIAL = ROOT / "tests" / "submissions" / "adversarial"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
BLANK = ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
PLANTED = {"/srv/planted.txt": "IMAGE-PLANTED-SRV-3d9a", "/etc/planted.txt": "IMAGE-PLANTED-ETC-8b21",
           "/var/tmp/conv-grader-planted.txt": "IMAGE-PLANTED-VARTMP-55e0"}

IMAGE_PACKAGES = ["--include=python3,python3-venv,ca-certificates"]  # what .ci/run's background build includes too

pytestmark = pytest.mark.skipif(
    os.environ.get("CONV_GRADER_IMAGE_TEST") != "1" or os.geteuid() != 0 or shutil.which("mmdebstrap") is None,
    reason="set CONV_GRADER_IMAGE_TEST=1 and run as root with mmdebstrap installed (CI does)")


# How this machine reaches the package registries (a proxy, its certificate authority): passed into
# the image as Gradescope's own network settings would be, nothing else of the machine.
NETWORK_VARIABLES = ("PIP_INDEX_URL", "PIP_DEFAULT_TIMEOUT", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                     "NO_PROXY", "no_proxy")


def _in_image(image: Path, script: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run `script` as root inside the image: its own mount namespace, the image bound on itself
    (so it is a mount point, as a container's root is), /proc and /dev, then chroot."""
    network = " ".join(f"{k}={os.environ[k]}" for k in NETWORK_VARIABLES if os.environ.get(k))
    setup = (f"mount --bind {image} {image} && mount -t proc proc {image}/proc && "
             f"mount --rbind /dev {image}/dev && cp /etc/resolv.conf {image}/etc/resolv.conf && "
             f"exec chroot {image} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "
             f"PIP_CERT=/etc/ssl/certs/ca-certificates.crt {network} /bin/bash -c \"$0\"")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "--fork", "/bin/sh", "-c", setup, script],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    from autograder.gradescope import build_zip

    base = tmp_path_factory.mktemp("image")
    autograder_zip = build_zip(ROOT / "assignments" / "conv-math", base / "conv-math-autograder.zip")
    tarball = Path(os.environ.get("CONV_GRADER_IMAGE_TARBALL", base / "bookworm.tar"))
    if not tarball.exists():  # CI builds it in the background while the other tests run
        built = subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", *IMAGE_PACKAGES, "bookworm", str(tarball)],
                               capture_output=True, text=True, timeout=1800)
        assert built.returncode == 0, built.stderr[-3000:]
    root = base / "root"
    root.mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(root)], check=True)
    extra_authorities = Path("/usr/local/share/ca-certificates")
    if extra_authorities.is_dir():  # the network's TLS authority, when the registries are reached through a proxy
        shutil.copytree(extra_authorities, root / "usr/local/share/ca-certificates", dirs_exist_ok=True)
        _in_image(root, "update-ca-certificates >/dev/null")
    for path, text in PLANTED.items():
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_text(text + "\n")
        (root / path.lstrip("/")).chmod(0o644)
    source = root / "autograder" / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    shutil.copy(source / "run_autograder", root / "autograder" / "run_autograder")
    setup = _in_image(root, "cd /autograder/source && bash setup.sh")
    assert setup.returncode == 0, f"setup.sh failed on a bare image:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}"
    return root


def _grade_in_image(root: Path, notebook: Path) -> tuple[dict, str]:
    submission = root / "autograder" / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    shutil.copy(notebook, submission / "conv-math.ipynb")
    done = _in_image(root, "bash /autograder/run_autograder", timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    text = (root / "autograder" / "results" / "results.json").read_text()
    return json.loads(text), text + done.stdout + done.stderr


def test_solution_blank_and_file_attacks_on_a_bare_image(image):
    solution, output = _grade_in_image(image, SOLUTION)
    assert solution["score"] > 0 and all(t["score"] == t["max_score"] for t in solution["tests"]), output[-2000:]
    assert "sandbox protections (root): allow-listed file view on" in output, output[-2000:]
    blank, _ = _grade_in_image(image, BLANK)
    assert blank["score"] == 0
    for attack in ("04_read_hidden_tests", "29_planted_files", "30_proc_snoop", "16_env_snoop"):
        results, text = _grade_in_image(image, ADVERSARIAL / f"{attack}.ipynb")
        assert results["score"] == 0, attack
        for marker in PLANTED.values():
            assert marker not in text, f"{attack} read {marker} out of the image"
        assert "def ref_conv2d" not in text and "from grading import" not in text, attack
