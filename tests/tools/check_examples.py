"""Every `example` in the contract's schemas validates against its own schema (JSON Schema 2020-12,
as OpenAPI 3.1 defines it). Run with the test venv's python: check_examples.py openapi.json"""
import json
import sys

from jsonschema import Draft202012Validator

doc = json.load(open(sys.argv[1]))
checked = 0
problems = []


def walk(node, pointer):
    global checked
    if isinstance(node, dict):
        if "example" in node and ("type" in node or "allOf" in node or "$ref" in node):
            schema = {k: v for k, v in node.items() if k != "example"}
            root = {**doc, **schema}
            for error in Draft202012Validator(root).iter_errors(node["example"]):
                problems.append(f"{pointer}: {error.message}")
            checked += 1
        for key, value in node.items():
            walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, f"{pointer}/{i}")


walk(doc["components"]["schemas"], "#/components/schemas")
print(f"{checked} examples checked, {len(problems)} wrong")
for p in problems:
    print(p)
sys.exit(1 if problems or checked == 0 else 0)
