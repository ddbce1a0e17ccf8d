"""The deployable template: orchestration/template.yaml as JSON with the state machine's placeholder
Definition replaced by orchestration/statemachine.asl.json. CloudFormation short-form tags (!Ref,
!Sub, ...) come out in their long `Fn::*` form; the loader is cfn-lint's.

With --bundle DIR it also writes the Glue code bundle the deploy uploads (lakehouse.zip, the job
scripts, the validation and view SQL; see orchestration.bundle) and DIR/MANIFEST.json with each
file's SHA-256 and the bundle's content version: `make package`, the CI package job's artifact.

python -m orchestration.package --out FILE [--bundle DIR] [--template FILE] [--asl FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cfnlint.decode.cfn_yaml import loads as load_cfn_yaml

from orchestration.bundle import MANIFEST, bundle, file_hashes, version_of, write_bundle

PLACEHOLDER_STATE = "NotPackaged"


def template_path() -> Path:
    return Path(__file__).with_name("template.yaml")


def asl_path() -> Path:
    return Path(__file__).with_name("statemachine.asl.json")


def _is_placeholder(definition) -> bool:
    return (
        isinstance(definition, dict)
        and definition.get("StartAt") == PLACEHOLDER_STATE
        and PLACEHOLDER_STATE in (definition.get("States") or {})
    )


def package(template_text: str, asl_text: str) -> str:
    """The template as JSON text with the placeholder Definition replaced by the parsed ASL."""
    try:
        asl = json.loads(asl_text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the state machine definition is not JSON: {err}") from err
    if not isinstance(asl, dict) or "States" not in asl:
        raise ValueError("the state machine definition is not an ASL object (no States)")
    template = load_cfn_yaml(template_text)
    placeholders = [
        resource["Properties"]
        for resource in (template.get("Resources") or {}).values()
        if resource.get("Type") == "AWS::StepFunctions::StateMachine"
        and _is_placeholder((resource.get("Properties") or {}).get("Definition"))
    ]
    if len(placeholders) != 1:
        raise ValueError(
            f"the template needs exactly one state machine with the placeholder Definition "
            f"(StartAt {PLACEHOLDER_STATE!r}); found {len(placeholders)}"
        )
    placeholders[0]["Definition"] = asl
    return json.dumps(template, indent=2) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the packaged JSON template")
    parser.add_argument("--template", type=Path, default=template_path())
    parser.add_argument("--asl", type=Path, default=asl_path())
    parser.add_argument("--bundle", type=Path, help="also write the code bundle into this (new) folder")
    args = parser.parse_args(argv)
    for path in (args.template, args.asl):
        if not path.is_file():
            parser.error(f"{path} does not exist")
    text = package(args.template.read_text(encoding="utf-8"), args.asl.read_text(encoding="utf-8"))
    Path(args.out).write_text(text, encoding="utf-8")
    if args.bundle:
        write_code_bundle(args.bundle)


def write_code_bundle(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"{folder} exists and is not empty")
    files = bundle()
    write_bundle(files, folder)
    manifest = {
        "content_version": version_of(files),
        "files": file_hashes(files),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
