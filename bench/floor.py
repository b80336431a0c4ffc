"""The synth floor: what every synth pays before the first resource of ours.

Imports cdktf and the prebuilt AWS provider (jsii starts Node and loads the provider's 37 MB
assembly) and synthesizes an empty stack holding only the AwsProvider. `bench.py` runs it in a
fresh process exactly like a cold `main.py`. With --submodules, the provider package is
imported the way modules/aws.py does it (only the submodules used).

    .venv/bin/python bench/floor.py OUTDIR [--submodules]
"""

import sys
from pathlib import Path

if "--submodules" in sys.argv:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from modules.aws import AwsProvider
else:
    from cdktf_cdktf_provider_aws.provider import AwsProvider

from cdktf import App, TerraformStack

app = App(outdir=sys.argv[1])
AwsProvider(TerraformStack(app, "floor"), "aws", region="us-east-1")
app.synth()
