#!/usr/bin/env python3
"""Compile the JSON Schema of one OCSF event class from the OCSF schema definitions.

    python3 schema/ocsf/build_schema.py SOURCE.json [--class detection_finding] [--profile cloud] > OUT.json

SOURCE.json holds the ocsf/ocsf-schema repository's definitions of one release, bundled in one file: `events`
(events/**/*.json by name), `objects` (objects/*.json), `dictionary` (dictionary.json: `attributes` and
`types`), `categories_meta` (categories.json) and `version_info` (version.json). The pydantic-ocsf package ships
exactly that for each release (ocsf/schemas/v1_6_0.json in its wheel); see schema/ocsf/README.md for the command
that fetches it. Profiles are not in that bundle: each `--profile NAME` is read from profiles/NAME.json beside
this script (a copy of the repository's profiles/NAME.json).

What the schema says, as the OCSF rules do: every attribute of the class (its `extends` chain merged, the child's
definition over the parent's) and of each object it reaches (`$defs`, by `$ref`); its type from the dictionary
(string, integer, number, boolean, object, array when `is_array`); the `enum` of integer `*_id` attributes;
`required` attributes; the objects' `at_least_one` / `just_one` constraints; nothing else (no additional
properties: what OCSF does not define goes in `unmapped`). `class_uid`, `category_uid` and `type_uid` are fixed to
the class's values. Regular expressions of the dictionary's string types are left out (they are not all valid
ECMA-262 patterns).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

BASE_TYPES = {"string_t": "string", "integer_t": "integer", "long_t": "integer", "float_t": "number",
              "boolean_t": "boolean"}


def deep_merge(base: dict, over: dict) -> dict:
    """`over` on `base`, nested objects merged (a child class adds enum values to its parent's, as OCSF does)."""
    out = dict(base)
    for key, value in over.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class Compiler:
    def __init__(self, source: dict, profiles: list[dict]):
        self.source = source
        self.dictionary = source["dictionary"]["attributes"]
        self.types = source["dictionary"]["types"]["attributes"]
        self.profiles = profiles
        self.defs: dict[str, dict] = {}

    def merged(self, table: dict, name: str) -> dict:
        """A definition with its `extends` chain merged: parents first, each attribute's keys overridden."""
        item = table[name]
        parent = item.get("extends")
        attributes: dict[str, dict] = {}
        constraints = {}
        if parent and parent in table:
            base = self.merged(table, parent)
            attributes = {k: dict(v) for k, v in base["attributes"].items()}
            constraints = dict(base.get("constraints", {}))
        for key, value in item.get("attributes", {}).items():
            if key == "$include":
                continue  # profiles and includes: only those asked for are applied (see apply_profiles)
            attributes[key] = deep_merge(attributes.get(key, {}), value)
        constraints.update(item.get("constraints", {}))
        return {**item, "attributes": attributes, "constraints": constraints}

    def base_type(self, type_name: str) -> str | None:
        seen = set()
        while type_name not in BASE_TYPES:
            if type_name in seen or type_name not in self.types:
                return None
            seen.add(type_name)
            type_name = self.types[type_name].get("type", "")
        return BASE_TYPES[type_name]

    def attribute(self, name: str, local: dict) -> dict:
        spec = deep_merge(self.dictionary.get(name, {}), local)
        type_name = spec.get("type")
        if type_name is None:
            raise SystemExit(f"attribute {name}: no type in the dictionary")
        if type_name == "object":
            schema: dict = {"type": "object"}
        elif type_name == "json_t":
            schema = {}
        elif type_name.endswith("_t"):
            base = self.base_type(type_name)
            if base is None:
                raise SystemExit(f"attribute {name}: unknown type {type_name}")
            schema = {"type": base}
            if "enum" in spec and base == "integer":
                schema["enum"] = sorted(int(k) for k in spec["enum"])
            elif "enum" in spec and base == "string":
                schema["enum"] = sorted(spec["enum"])
            if "range" in self.types.get(type_name, {}):
                low, high = self.types[type_name]["range"]
                schema.update({"minimum": low, "maximum": high})
        else:
            self.object_def(type_name)
            schema = {"$ref": f"#/$defs/{type_name}"}
        if spec.get("is_array"):
            schema = {"type": "array", "items": schema}
        return schema

    def properties(self, definition: dict) -> dict:
        props, required = {}, []
        for name, local in sorted(definition["attributes"].items()):
            props[name] = self.attribute(name, local)
            if local.get("requirement") == "required":
                required.append(name)
        schema = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            schema["required"] = required
        constraints = definition.get("constraints", {})
        if constraints.get("at_least_one"):
            schema["anyOf"] = [{"required": [a]} for a in constraints["at_least_one"]]
        if constraints.get("just_one"):
            schema["oneOf"] = [{"required": [a]} for a in constraints["just_one"]]
        return schema

    def object_def(self, name: str) -> None:
        if name in self.defs:
            return
        if name not in self.source["objects"]:
            raise SystemExit(f"unknown object {name}")
        self.defs[name] = {}  # placeholder: objects refer to themselves (process.parent_process…)
        definition = self.merged(self.source["objects"], name)
        self.defs[name] = {"title": definition.get("caption", name), **self.properties(definition)}

    def event(self, class_name: str) -> dict:
        events = self.source["events"]
        definition = self.merged(events, class_name)
        for profile in self.profiles:
            for key, value in profile["attributes"].items():
                definition["attributes"][key] = deep_merge(definition["attributes"].get(key, {}), value)
        category = next(
            (events[n].get("category") for n in self.chain(events, class_name) if events[n].get("category")), None)
        category_uid = self.source["categories_meta"]["attributes"][category]["uid"]
        class_uid = category_uid * 1000 + events[class_name]["uid"]
        activity = deep_merge(self.dictionary.get("activity_id", {}), definition["attributes"]["activity_id"])
        activities = sorted(int(k) for k in activity.get("enum", {}))
        schema = self.properties(definition)
        schema["properties"]["class_uid"] = {"const": class_uid}
        schema["properties"]["category_uid"] = {"const": category_uid}
        schema["properties"]["type_uid"] = {"enum": [class_uid * 100 + a for a in activities]}
        version = self.source["version_info"]["version"]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://schema.ocsf.io/{version}/classes/{class_name}",
            "title": f"OCSF {version} {definition.get('caption', class_name)} (class_uid {class_uid})"
                     + (f" with the {', '.join(p['name'] for p in self.profiles)} profile" if self.profiles else ""),
            "description": "Generated by schema/ocsf/build_schema.py from the OCSF schema definitions; do not edit.",
            **schema,
            "$defs": dict(sorted(self.defs.items())),
        }

    @staticmethod
    def chain(table: dict, name: str) -> list[str]:
        out = []
        while name in table:
            out.append(name)
            name = table[name].get("extends")
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="the OCSF definitions of one release bundled in one JSON file")
    parser.add_argument("--class", dest="class_name", default="detection_finding")
    parser.add_argument("--profile", action="append", default=[], help="profile applied to the class (repeatable)")
    args = parser.parse_args()
    with open(args.source, encoding="utf-8") as f:
        source = json.load(f)
    here = os.path.dirname(os.path.abspath(__file__))
    profiles = []
    for name in args.profile:
        with open(os.path.join(here, "profiles", f"{name}.json"), encoding="utf-8") as f:
            profiles.append(json.load(f))
    schema = Compiler(source, profiles).event(args.class_name)
    json.dump(schema, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
