"""The template's hook scripts, imported as modules so that their functions can be unit-tested.

They are plain Python files under hooks/ (not a package); their answers arrive in ``ANSWERS_JSON``, which is
only parsed by ``main()``, so importing them unrendered is safe.
"""

import importlib.util

from variants import TEMPLATE


def load_hook(name):
    spec = importlib.util.spec_from_file_location(f"{name}_hook", TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre = load_hook("pre_gen_project")
post = load_hook("post_gen_project")
