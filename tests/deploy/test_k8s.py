"""`k8s/`: the base and the example overlay render, validate against the Kubernetes schemas
(offline, strict: unknown fields are errors) and are wired together (names, keys, probes)."""

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service.settings import Settings
from tests.deploy.kustomize import Obj, load_documents, render

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
KUBERNETES_VERSION = "1.31.0"
"""The oldest Kubernetes the manifests target (HPA v2, PDB v1, Ingress v1 are all GA there)."""
TARGETS = {"base": K8S / "base", "example": K8S / "overlays" / "example"}
RENDERED = {name: render(path) for name, path in TARGETS.items()}
ADMIN = {path.name: load_documents(path)[0] for path in sorted((K8S / "admin").glob("*.yaml"))}
"""One-off Jobs an operator creates by hand (`kubectl create -f`), outside the kustomizations."""
SETTINGS_ENV = {f"ADAPTMT_{name.upper()}" for name in Settings.model_fields}


def find(objects: list[Obj], kind: str, name: str) -> Obj:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def container(obj: Obj, name: str) -> Obj:
    found: Obj = next(c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name)
    return found


def _ids(objects: list[Obj]) -> list[str]:
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objects]


@pytest.mark.parametrize(
    ("target", "obj"),
    [(target, obj) for target, objects in RENDERED.items() for obj in objects],
    ids=[f"{t}:{i}" for t, objects in RENDERED.items() for i in _ids(objects)],
)
def test_every_rendered_object_is_valid_against_the_kubernetes_schema(
    target: str, obj: Obj
) -> None:
    kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("name", sorted(ADMIN))
def test_every_admin_job_is_valid_and_runs_in_the_namespace_with_the_service_secret(
    name: str,
) -> None:
    job = ADMIN[name]
    kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
    assert job["metadata"]["namespace"] == "adaptmt"
    secret = find(RENDERED["base"], "Secret", "adaptmt-secrets")
    for kind, ref in _references(job):
        assert (kind, ref["name"]) == ("Secret", secret["metadata"]["name"])
        assert ref["key"] in secret["stringData"]


def test_the_key_job_creates_a_key_with_the_example_release_image() -> None:
    job = ADMIN["create-key.yaml"]["spec"]["template"]["spec"]["containers"][0]
    api = container(find(RENDERED["example"], "Deployment", "adaptmt"), "adaptmt")
    assert job["args"][:3] == ["keys", "create", "--tenant"]
    assert job["image"] == api["image"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(imagePullPolicy=1), "1"),
        (lambda d: d["spec"].update(replica=2), "replica"),  # a typo: strict mode refuses it
        (lambda d: d["spec"].pop("selector"), "selector"),
    ],
)
def test_the_validator_refuses_a_broken_deployment(change: Any, error: str) -> None:
    broken = copy.deepcopy(find(RENDERED["base"], "Deployment", "adaptmt"))
    change(broken)

    with pytest.raises(kubernetes_validate.ValidationError, match=error):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_offline_renderer_agrees_with_kubectl_kustomize(target: str) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(TARGETS[target])], capture_output=True, text=True, check=True
    ).stdout
    expected = sorted(_ids([d for d in yaml.safe_load_all(built) if d]))

    assert sorted(_ids(RENDERED[target])) == expected
    by_id = {i: d for i, d in zip(_ids(RENDERED[target]), RENDERED[target], strict=True)}
    for document in yaml.safe_load_all(built):
        if document:
            assert by_id[_ids([document])[0]] == document


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_object_lives_in_the_adaptmt_namespace(target: str) -> None:
    namespaced = [o for o in RENDERED[target] if o["kind"] != "Namespace"]
    assert {o["metadata"]["namespace"] for o in namespaced} == {"adaptmt"}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_config_and_secret_reference_names_an_existing_key(target: str) -> None:
    objects = RENDERED[target]
    keys = {
        (o["kind"], o["metadata"]["name"]): set(o.get("data", {})) | set(o.get("stringData", {}))
        for o in objects
        if o["kind"] in ("ConfigMap", "Secret")
    }
    for ref_kind, ref in _references(objects):
        assert (ref_kind, ref["name"]) in keys, ref
        if "key" in ref:
            assert ref["key"] in keys[(ref_kind, ref["name"])], ref


def _references(node: Any) -> list[tuple[str, Obj]]:
    """Every configMapKeyRef/secretKeyRef/configMapRef/secretRef below `node`."""
    kinds = {
        "configMapKeyRef": "ConfigMap",
        "configMapRef": "ConfigMap",
        "secretKeyRef": "Secret",
        "secretRef": "Secret",
    }
    found: list[tuple[str, Obj]] = []
    if isinstance(node, dict):
        for name, value in node.items():
            found += [(kinds[name], value)] if name in kinds else _references(value)
    elif isinstance(node, list):
        for item in node:
            found += _references(item)
    return found


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_adaptmt_variable_is_a_setting(target: str) -> None:
    config = find(RENDERED[target], "ConfigMap", "adaptmt-config")["data"]
    secret = find(RENDERED[target], "Secret", "adaptmt-secrets")["stringData"]
    named = {k for k in [*config, *secret] if k.startswith("ADAPTMT_")}
    assert named <= SETTINGS_ENV, named - SETTINGS_ENV


def test_the_service_deployment_probes_limits_and_runs_unprivileged() -> None:
    deployment = find(RENDERED["base"], "Deployment", "adaptmt")
    pod = deployment["spec"]["template"]["spec"]
    api = container(deployment, "adaptmt")

    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(api["resources"]["requests"])
    assert "memory" in api["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"]
    assert api["securityContext"]["readOnlyRootFilesystem"] is True
    assert api["securityContext"]["allowPrivilegeEscalation"] is False
    assert {m["mountPath"] for m in api["volumeMounts"]} >= {"/tmp"}
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_autoscaler_budget_and_service_select_the_service_pods(target: str) -> None:
    objects = RENDERED[target]
    deployment = find(objects, "Deployment", "adaptmt")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    hpa = find(objects, "HorizontalPodAutoscaler", "adaptmt")
    pdb = find(objects, "PodDisruptionBudget", "adaptmt")
    service = find(objects, "Service", "adaptmt")

    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "adaptmt",
    }
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    port_names = {p["name"] for p in container(deployment, "adaptmt")["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_ingress_exposes_the_api_but_not_metrics_or_probes(target: str) -> None:
    objects = RENDERED[target]
    ingress = find(objects, "Ingress", "adaptmt")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    service_ports = {p["name"] for p in find(objects, "Service", "adaptmt")["spec"]["ports"]}

    assert "/v1" in {p["path"] for p in paths}
    assert not {p["path"] for p in paths} & {"/", "/metrics", "/readyz", "/healthz"}
    for path in paths:
        assert path["backend"]["service"]["name"] == "adaptmt"
        assert path["backend"]["service"]["port"]["name"] in service_ports


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_vllm_gets_a_gpu_a_model_cache_and_a_health_probe_the_service_points_at(
    target: str,
) -> None:
    objects = RENDERED[target]
    deployment = find(objects, "Deployment", "adaptmt-vllm")
    vllm = container(deployment, "vllm")
    config = find(objects, "ConfigMap", "adaptmt-config")["data"]
    service = find(objects, "Service", "adaptmt-vllm")
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in deployment["spec"]["template"]["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    }

    assert vllm["image"].startswith("vllm/vllm-openai:")
    assert vllm["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert vllm["readinessProbe"]["httpGet"]["path"] == "/health"
    assert {c for c in claims} == {"adaptmt-vllm-cache"}
    find(objects, "PersistentVolumeClaim", "adaptmt-vllm-cache")
    cache = next(m for m in vllm["volumeMounts"] if m["name"] != "shm")
    assert cache["mountPath"] == "/root/.cache/huggingface"
    assert "--model=$(VLLM_MODEL)" in vllm["args"]
    assert f"--served-model-name={config['ADAPTMT_LLM_MODEL']}" in vllm["args"]
    port = service["spec"]["ports"][0]["port"]
    assert config["ADAPTMT_LLM_URL"] == f"http://{service['metadata']['name']}:{port}/v1"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_migration_job_upgrades_the_database_the_service_uses_with_the_same_image(
    target: str,
) -> None:
    objects = RENDERED[target]
    job = container(find(objects, "Job", "adaptmt-migrate"), "migrate")
    api = container(find(objects, "Deployment", "adaptmt"), "adaptmt")

    assert job["args"] == ["db", "upgrade"]
    assert job["image"] == api["image"]
    database = next(e for e in job["env"] if e["name"] == "ADAPTMT_DATABASE_URL")
    assert database in api["env"]


def test_the_base_runs_postgresql_and_the_example_overlay_an_external_one() -> None:
    base, example = RENDERED["base"], RENDERED["example"]
    url = find(example, "Secret", "adaptmt-secrets")["stringData"]["ADAPTMT_DATABASE_URL"]

    statefulset = find(base, "StatefulSet", "adaptmt-postgres")
    assert statefulset["spec"]["volumeClaimTemplates"]
    base_url = find(base, "Secret", "adaptmt-secrets")["stringData"]["ADAPTMT_DATABASE_URL"]
    assert "@adaptmt-postgres:5432/" in base_url
    assert not [o for o in example if o["metadata"]["name"] == "adaptmt-postgres"]
    assert url.startswith("postgresql://") and "adaptmt-postgres" not in url
    images = {container(find(example, "Deployment", "adaptmt"), "adaptmt")["image"]}
    assert images == {"registry.example.com/adaptmt:0.1.0"}


def test_the_dashboard_is_shipped_as_a_config_map_for_grafana() -> None:
    dashboard = find(RENDERED["base"], "ConfigMap", "adaptmt-grafana-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert yaml.safe_load(dashboard["data"]["adaptmt.json"])["uid"] == "adaptmt"


def test_every_manifest_file_is_used_by_a_kustomization() -> None:
    listed: set[Path] = set()
    for kustomization in K8S.rglob("kustomization.yaml"):
        spec = load_documents(kustomization)[0]
        entries = [*spec.get("resources", []), *(p["path"] for p in spec.get("patches", []))]
        listed |= {(kustomization.parent / e).resolve() for e in entries}
    files = {p.resolve() for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"}
    admin = {p.resolve() for p in (K8S / "admin").glob("*.yaml")}
    assert files - listed == admin
