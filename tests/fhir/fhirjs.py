"""FHIR.js (npm `fhir`, R4) as a second validator, independent of fhir.resources: a Bundle and
each of its resources, checked by node. Its messages of severity `error` fail the test."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

SCRIPT = r"""
const { Fhir } = require('fhir');
const fhir = new Fhir();
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const bundle = JSON.parse(input);
  const targets = [bundle, ...(bundle.entry || []).map((e) => e.resource)];
  const out = targets.map((resource) => {
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    return { resourceType: resource.resourceType, id: resource.id, valid: result.valid,
             errors: result.messages.filter((m) => m.severity === 'error') };
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def fhirjs_errors(tools: Path, bundle: dict) -> list[dict]:
    """Every FHIR.js error for the Bundle and its resources (empty when all validate)."""
    done = subprocess.run(
        ["node", "-e", SCRIPT],
        input=json.dumps(bundle),
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": os.environ["PATH"], "NODE_PATH": str(tools / "node_modules")},
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert len(results) == 1 + len(bundle.get("entry", []))
    return [r for r in results if not r["valid"] or r["errors"]]
