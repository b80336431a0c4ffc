"""Before/after: main.py with the AWS provider package's __init__ run first.

modules/aws.py registers cdktf_cdktf_provider_aws without running its __init__, which imports
all ~1,500 resource modules (4,000+ Python modules) though a synth needs about 15. This script
imports the package the ordinary way first, as the code did before, so bench.py can time the
difference and check that the output is the same.
"""

import runpy
import sys
from pathlib import Path

import cdktf_cdktf_provider_aws  # noqa: F401 - the point: run the package __init__

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.argv = [str(ROOT / "main.py")]
runpy.run_path(str(ROOT / "main.py"), run_name="__main__")
