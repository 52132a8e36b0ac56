"""``losslab.advise`` is the function, also once its package ``losslab.advisor`` is imported."""

from __future__ import annotations

import subprocess
import sys


def test_the_function_is_not_shadowed_by_its_package() -> None:
    script = (
        "import losslab\n"
        "first = losslab.advise\n"
        "import losslab.advisor\n"
        "assert losslab.advise is first, losslab.advise\n"
        "assert callable(losslab.advise)\n"
        "from losslab import advise\n"
        "assert advise is first\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
