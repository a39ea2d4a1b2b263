"""The document as text: the same YAML and JSON from the schema view and from ``export_asyncapi``."""

import json

import yaml


class BlockStyleDumper(yaml.SafeDumper):
    """Writes multi-line strings (descriptions) as ``|`` blocks, which read like the docstrings they came from."""

    def ignore_aliases(self, data):
        return True  # a schema used twice is written twice, not as a YAML anchor many tools do not follow

    def represent_str(self, data):
        style = "|" if "\n" in data else None
        return self.represent_scalar("tag:yaml.org,2002:str", str(data), style=style)


BlockStyleDumper.add_representer(str, BlockStyleDumper.represent_str)
BlockStyleDumper.add_multi_representer(str, BlockStyleDumper.represent_str)  # DRF's ErrorDetail in error replies


def as_yaml(document):
    return yaml.dump(document, Dumper=BlockStyleDumper, sort_keys=False, allow_unicode=True)


def as_json(document):
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
