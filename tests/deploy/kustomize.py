"""A small, strict kustomize renderer for the tests: the subset `k8s/` uses, offline.

`kubectl kustomize` needs a binary that a clean machine may not have, so the manifest tests
render with this instead, and `test_k8s.py` checks that both give the same objects where
kubectl is installed. It supports `resources` (files and directories), `namespace`,
`labels` (metadata labels only, no selectors), `images`, `configMapGenerator` (files,
options without a name hash) and strategic-merge `patches` by file: maps merge, `$patch:
delete` removes an object, and lists are replaced, as kustomize does for lists without a
merge key. Anything else raises `Unsupported` instead of rendering something different.
"""

import copy
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

SUPPORTED_KEYS = frozenset(
    {
        "apiVersion",
        "kind",
        "namespace",
        "labels",
        "resources",
        "images",
        "patches",
        "configMapGenerator",
    }
)
MERGE_KEYED_LISTS = frozenset(
    {"containers", "initContainers", "env", "volumes", "volumeMounts", "ports", "envFrom"}
)
"""Lists kustomize merges item by item (by name or port): a patch of one is not supported."""
CLUSTER_SCOPED = frozenset({"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"})


class Unsupported(Exception):
    """The kustomization uses a feature this renderer does not implement."""


def load_documents(path: Path) -> list[Obj]:
    """The YAML documents of a file, empty ones left out."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(directory: Path) -> list[Obj]:
    """The objects `kustomize build DIRECTORY` outputs (in no particular order)."""
    spec = load_documents(directory / "kustomization.yaml")[0]
    if unknown := set(spec) - SUPPORTED_KEYS:
        raise Unsupported(f"{directory}: {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in spec.get("resources", []):
        path = directory / entry
        objects += render(path) if path.is_dir() else load_documents(path)
    objects += [_generated(directory, gen) for gen in spec.get("configMapGenerator", [])]
    for patch in spec.get("patches", []):
        if set(patch) != {"path"}:
            raise Unsupported(f"patch {patch}: only `path:` patches")
        for document in load_documents(directory / patch["path"]):
            objects = _apply_patch(objects, document)
    for image in spec.get("images", []):
        _set_image(objects, image)
    if namespace := spec.get("namespace"):
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
    for label_set in spec.get("labels", []):
        if set(label_set) - {"pairs"}:
            raise Unsupported(f"labels {label_set}: only plain `pairs`")
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(label_set["pairs"])
    return objects


def _generated(directory: Path, generator: Obj) -> Obj:
    options = generator.get("options", {})
    if set(generator) - {"name", "files", "options"} or not options.get("disableNameSuffixHash"):
        raise Unsupported(f"configMapGenerator {generator['name']}: files, no name hash")
    if set(options) - {"disableNameSuffixHash", "labels"}:
        raise Unsupported(f"configMapGenerator options {sorted(options)}")
    metadata: Obj = {"name": generator["name"]}
    if "labels" in options:
        metadata["labels"] = dict(options["labels"])
    data = {Path(file).name: (directory / file).read_text() for file in generator["files"]}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def _key(obj: Obj) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _apply_patch(objects: list[Obj], patch: Obj) -> list[Obj]:
    patch = copy.deepcopy(patch)
    delete = patch.pop("$patch", None) == "delete"
    targets = [obj for obj in objects if _key(obj) == _key(patch)]
    if len(targets) != 1:
        raise ValueError(f"patch {_key(patch)} matches {len(targets)} objects")
    if delete:
        return [obj for obj in objects if obj is not targets[0]]
    _merge(targets[0], patch, _key(patch)[1])
    return objects


def _merge(target: Obj, patch: Obj, where: str) -> None:
    for name, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(name), dict):
            _merge(target[name], value, f"{where}.{name}")
        elif isinstance(value, list) and name in MERGE_KEYED_LISTS:
            raise Unsupported(f"{where}.{name}: a merge-keyed list")
        else:
            target[name] = value


def _set_image(objects: list[Obj], image: Obj) -> None:
    for obj in objects:
        pod = _pod_spec(obj)
        for container in (pod or {}).get("containers", []) + (pod or {}).get("initContainers", []):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                tag = image.get("newTag", tag)
                new = image.get("newName", name)
                container["image"] = f"{new}:{tag}" if tag else new


def _pod_spec(obj: Obj) -> Obj | None:
    spec = obj.get("spec", {})
    if obj["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet", "ReplicaSet"):
        pod: Obj = spec["template"]["spec"]
        return pod
    return None
