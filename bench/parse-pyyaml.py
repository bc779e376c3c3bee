#!/usr/bin/env python3
"""What a user would script: PyYAML's C loader, one JSON line per document.

usage: parse-pyyaml.py file ...
"""
import json
import sys

import yaml

out = sys.stdout
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        for doc in yaml.load_all(f, Loader=yaml.CSafeLoader):
            out.write(json.dumps(doc))
            out.write("\n")
