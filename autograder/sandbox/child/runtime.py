"""What the fork server prepares once, before any fork: imports, a shell, stubs, and the
routines the assignment's rules forbid taken out (`sandbox/removal.py`)."""

from __future__ import annotations

import importlib
import os
import sys
import types

from ..removal import Removal, remove


class Runtime:
    """What the fork server prepares once, before any fork: imports, a shell, stubs, and the
    forbidden routines taken out."""

    def __init__(self, preload: tuple[str, ...], removals: tuple[Removal, ...] = ()):
        os.environ.setdefault("MPLBACKEND", "Agg")
        for name in preload:
            importlib.import_module(name)
        from IPython.core.interactiveshell import InteractiveShell

        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no history thread, no sqlite file
        self.shell = InteractiveShell.instance(config=config)
        self.shell.register_magic_function(lambda line="": None, "line", "matplotlib")
        self.shell.system = _system  # `!cmd` through a pipe: the sandbox has no terminals to lend
        self.transform = self.shell.input_transformer_manager.transform_cell
        self._install_otter_stub()
        if "matplotlib.pyplot" in sys.modules:
            self._warm_up_matplotlib()
        # Last, before any fork: what the assignment's rules forbid is absent, not watched.  A library
        # that calls a removed routine (matplotlib's imshow calls numpy.flip) fails there too.
        remove(removals)

    @staticmethod
    def _warm_up_matplotlib() -> None:
        """Draw one figure before any fork, so fonts, colormaps and caches are loaded once here
        instead of in every sandbox (the first figure of a process costs several times the next)."""
        import matplotlib.pyplot as plt
        import numpy as np

        fig, axes = plt.subplots(1, 2, figsize=(4, 2))
        image = axes[0].imshow(np.arange(9.0).reshape(3, 3), cmap="RdBu_r", vmin=-1, vmax=1)
        axes[0].set_title("warm-up", fontsize=10)
        axes[1].plot([0, 1], [1, 0], label="line")
        axes[1].text(0.5, 0.5, "text", ha="center", va="center")
        axes[1].legend()
        fig.colorbar(image, ax=axes[0])
        fig.suptitle("warm-up")
        fig.tight_layout()
        fig.canvas.draw()
        plt.close("all")

    @staticmethod
    def _install_otter_stub() -> None:
        """`grader.check(...)` cells in a submission do nothing here: tests run in the grader."""

        class Notebook:
            def __init__(self, *args, **kwargs):
                pass

            def __getattr__(self, name):
                return lambda *args, **kwargs: None

        otter = types.ModuleType("otter")
        otter.Notebook = Notebook
        sys.modules["otter"] = otter


def _system(command: str) -> None:
    """`!command` in a cell: run by /bin/sh, its output printed as the cell's, its status kept
    in `_exit_code` as IPython does."""
    import subprocess

    from IPython import get_ipython

    done = subprocess.run(command, shell=True, executable="/bin/sh", stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.stdout.write(done.stdout.decode("utf-8", errors="replace"))
    shell = get_ipython()
    if shell is not None:
        shell.user_ns["_exit_code"] = done.returncode
