"""The Kubernetes manifests (deploy/k8s/): rendered with kustomize (built into kubectl), validated offline
against the Kubernetes OpenAPI schemas with kubernetes-validate, and cross-checked where no schema
reaches: settings names, partitions versus replicas and Strimzi topics, probes, secrets, selectors."""

from __future__ import annotations

import copy
import functools
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from deploy.contract import DEPLOY_DIR, settings_env_vars

K8S_DIR = DEPLOY_DIR / "k8s"
KUSTOMIZATIONS = ["base", "overlays/example"]
KUBERNETES_VERSION = "1.32.0"
# Custom resources have no schema in kubernetes-validate; these are checked by hand below.
CUSTOM_KINDS = {
    "KafkaTopic": "kafka.strimzi.io/v1beta2",
    "KafkaUser": "kafka.strimzi.io/v1beta2",
    "ServiceMonitor": "monitoring.coreos.com/v1",
}
SECRET_SETTINGS = {"CHORUSWATCH_KAFKA_SASL_PASSWORD", "CHORUSWATCH_ES_PASSWORD", "CHORUSWATCH_ES_API_KEY"}

kubernetes_validate = pytest.importorskip("kubernetes_validate")
pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (for kustomize) not installed"
)


@functools.cache
def _render(kustomization: str) -> tuple[dict[str, Any], ...]:
    result = subprocess.run(
        ["kubectl", "kustomize", str(K8S_DIR / kustomization)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _one(docs: tuple[dict[str, Any], ...], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def _config(docs: tuple[dict[str, Any], ...]) -> dict[str, str]:
    data: dict[str, str] = _one(docs, "ConfigMap")["data"]
    return data


def _pod_specs(docs: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_builtin_resource_is_valid_against_the_kubernetes_schemas(kustomization: str) -> None:
    for doc in _render(kustomization):
        if doc["kind"] in CUSTOM_KINDS:
            assert doc["apiVersion"] == CUSTOM_KINDS[doc["kind"]]
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_misspelt_field() -> None:
    # Guards the test above: strict mode must refuse what Kubernetes would silently drop.
    deployment = copy.deepcopy(_one(_render("base"), "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_every_variable_is_a_setting_and_secrets_come_only_from_secret_objects(kustomization: str) -> None:
    docs = _render(kustomization)
    known = settings_env_vars()
    config = _config(docs)
    assert set(config) <= known, set(config) - known
    assert not set(config) & SECRET_SETTINGS
    for pod in _pod_specs(docs):
        for container in _containers(pod):
            for var in container.get("env", []):
                assert var["name"] in known, var["name"]
                if var["name"] in SECRET_SETTINGS:
                    assert "secretKeyRef" in var.get("valueFrom", {}), (
                        f"{var['name']} must come from a Secret"
                    )
    assert not [d for d in docs if d["kind"] == "Secret"], "no secret values in the manifests"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_file_settings_point_into_mounted_volumes(kustomization: str) -> None:
    docs = _render(kustomization)
    files = {
        k: v for k, v in _config(docs).items() if k.endswith(("_CAFILE", "_CA_CERTS", "_FILE", "_CONFIG"))
    }
    worker = _one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    mounts = [m["mountPath"] for m in worker["volumeMounts"]]
    for variable, path in files.items():
        assert any(path.startswith(mount + "/") for mount in mounts), f"{variable}={path} is not mounted"


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_probes_hit_health_on_the_metrics_port(kustomization: str) -> None:
    docs = _render(kustomization)
    worker = _one(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    (port,) = [p for p in worker["ports"] if p["name"] == "metrics"]
    assert str(port["containerPort"]) == _config(docs)["CHORUSWATCH_METRICS_PORT"]
    for probe in ("startupProbe", "readinessProbe"):
        assert worker[probe]["httpGet"] == {"path": "/health", "port": "metrics"}
    # Liveness must not follow /health: an Elasticsearch outage would restart every worker for nothing.
    assert worker["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "metrics"}
    service = _one(docs, "Service")
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert worker["resources"]["requests"]["cpu"] and worker["resources"]["requests"]["memory"]
    assert worker["resources"]["limits"]["memory"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_replicas_are_bounded_by_partitions_and_topics_match_the_settings(kustomization: str) -> None:
    docs = _render(kustomization)
    config = _config(docs)
    partitions = int(config["CHORUSWATCH_PARTITIONS"])
    assert 1 <= _one(docs, "Deployment")["spec"]["replicas"] <= partitions
    topics = {d["spec"]["topicName"]: d for d in docs if d["kind"] == "KafkaTopic"}
    expected = {
        config["CHORUSWATCH_TOPIC_MENTIONS"]: partitions,
        config["CHORUSWATCH_TOPIC_ROUTED"]: partitions,
        config["CHORUSWATCH_TOPIC_ALERTS"]: partitions,
        config["CHORUSWATCH_TOPIC_DLQ"]: int(config["CHORUSWATCH_DLQ_PARTITIONS"]),
    }
    assert {name: topic["spec"]["partitions"] for name, topic in topics.items()} == expected
    for topic in topics.values():
        assert topic["spec"]["replicas"] >= int(config["CHORUSWATCH_REPLICATION_FACTOR"])


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_strimzi_and_eck_references_agree(kustomization: str) -> None:
    docs = _render(kustomization)
    config = _config(docs)
    # Strimzi names the bootstrap Service `<cluster>-kafka-bootstrap` and the CA `<cluster>-cluster-ca-cert`.
    cluster = config["CHORUSWATCH_KAFKA_BOOTSTRAP"].split("-kafka-bootstrap")[0]
    for doc in docs:
        if doc["apiVersion"].startswith("kafka.strimzi.io/"):
            assert doc["metadata"]["labels"]["strimzi.io/cluster"] == cluster
    user = _one(docs, "KafkaUser")
    assert user["metadata"]["name"] == config["CHORUSWATCH_KAFKA_SASL_USERNAME"]
    assert config["CHORUSWATCH_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert user["spec"]["authentication"]["type"] == config["CHORUSWATCH_KAFKA_SASL_MECHANISM"].lower()
    # ECK names the HTTP Service `<es>-es-http` and its public certificate `<es>-es-http-certs-public`.
    es_name = config["CHORUSWATCH_ES_URL"].split("://")[1].split("-es-http")[0]
    pod = _one(docs, "Deployment")["spec"]["template"]["spec"]
    secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
    assert secrets == {f"{cluster}-cluster-ca-cert", f"{es_name}-es-http-certs-public"}
    env = {v["name"]: v["valueFrom"]["secretKeyRef"] for v in pod["containers"][0]["env"] if "valueFrom" in v}
    assert env["CHORUSWATCH_KAFKA_SASL_PASSWORD"]["name"] == user["metadata"]["name"]


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_selectors_of_pdb_service_and_servicemonitor_reach_the_workers(kustomization: str) -> None:
    docs = _render(kustomization)
    deployment = _one(docs, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert _matches(deployment["spec"]["selector"]["matchLabels"], pod_labels)
    assert _matches(_one(docs, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"], pod_labels)
    service = _one(docs, "Service")
    assert _matches(service["spec"]["selector"], pod_labels)
    monitor = _one(docs, "ServiceMonitor")
    assert _matches(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    # The alert rules select job="choruswatch"; the ServiceMonitor takes the job from this label.
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "choruswatch"


def test_overlay_puts_everything_in_its_namespace() -> None:
    docs = _render("overlays/example")
    namespace = _one(docs, "Namespace")["metadata"]["name"]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]
