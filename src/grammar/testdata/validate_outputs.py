"""Second opinion for generation_test: validates every generated output
against its schema with Python's jsonschema (draft 2020-12, with format
checks where the installed checkers support the format).

usage: validate_outputs.py SCHEMA_DIR OUTPUTS.jsonl
Each line of OUTPUTS.jsonl is {"schema": NAME, "seed": S, "text": OUTPUT}.
Exit 0 when every output validates, 1 otherwise, 77 when jsonschema is
missing (ctest's skip code).
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    schema_dir, outputs = sys.argv[1], sys.argv[2]
    validators = {}
    bad = 0
    n = 0
    for line in open(outputs, encoding="utf-8"):
        rec = json.loads(line)
        name = rec["schema"]
        if name not in validators:
            with open(os.path.join(schema_dir, name + ".json"), encoding="utf-8") as f:
                schema = json.load(f)
            validators[name] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        n += 1
        try:
            instance = json.loads(rec["text"])
        except ValueError as e:
            print(f"{name} seed {rec['seed']}: not JSON: {e}: {rec['text'][:200]}")
            bad += 1
            continue
        errors = list(validators[name].iter_errors(instance))
        if errors:
            bad += 1
            print(f"{name} seed {rec['seed']}: {errors[0].message} at {list(errors[0].absolute_path)}")
    print(f"jsonschema: {n - bad} of {n} outputs valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
