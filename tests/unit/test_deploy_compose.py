"""deploy/compose/compose.yaml and deploy/Dockerfile, cross-checked without a Docker engine: every
service, port, environment variable and mounted file they reference exists and matches what the code
reads (`Settings.from_env`), what Prometheus scrapes and what Grafana provisions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from deploy.contract import DEPLOY_DIR, REPO_ROOT, settings_defaults, settings_env_vars

COMPOSE_DIR = DEPLOY_DIR / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
DOCKERFILE = DEPLOY_DIR / "Dockerfile"
CHORUSWATCH_JOBS = {
    "topics": ["topics", "create"],
    "es-setup": ["es", "setup"],
    "kibana-import": ["kibana", "import"],
}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return data


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _env(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in _services()[service].get("environment", {}).items()}


def _choruswatch_services() -> list[str]:
    return [name for name, spec in _services().items() if "build" in spec]


def _bind_mounts(service: str) -> dict[str, Path]:
    """Container path -> host path of a service's bind mounts."""
    mounts = {}
    for volume in _services()[service].get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith((".", "/")):
            mounts[target] = (COMPOSE_DIR / source).resolve()
    return mounts


def _setting(service: str, variable: str) -> str:
    """The value a ChorusWatch container sees: its environment, else the Settings default."""
    return _env(service).get(variable, settings_defaults().get(variable, ""))


def test_every_image_is_pinned_and_elastic_versions_match() -> None:
    versions = {}
    for name, spec in _services().items():
        image = spec["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and re.match(r"^v?\d+\.\d+\.\d+", tag), (
            f"{name}: image {image} is not pinned to a version"
        )
        versions[repo.rsplit("/", 1)[-1]] = tag
    assert versions["elasticsearch"] == versions["kibana"]
    assert versions["elasticsearch"].startswith("8.")


def test_every_choruswatch_variable_is_one_the_settings_read() -> None:
    known = settings_env_vars()
    for name in _choruswatch_services():
        unknown = {key for key in _env(name) if key.startswith("CHORUSWATCH_")} - known
        assert not unknown, f"{name} sets variables streams/settings.py never reads: {unknown}"


def test_every_interpolated_variable_is_documented_in_the_env_example() -> None:
    used = set(_INTERPOLATION.findall(COMPOSE_FILE.read_text(encoding="utf-8")))
    example = (COMPOSE_DIR / ".env.example").read_text(encoding="utf-8")
    documented = {
        line.split("=", 1)[0] for line in example.splitlines() if "=" in line and not line.startswith("#")
    }
    assert used, "the compose file takes no secrets from .env"
    assert used == documented


def test_no_secret_is_written_into_the_compose_file() -> None:
    for name, spec in _services().items():
        for key, value in spec.get("environment", {}).items():
            if re.search(r"PASSWORD|API_KEY|ENCRYPTIONKEY", key):
                assert str(value).startswith("${"), f"{name}: {key} must come from .env, not the file"


def test_bind_mounts_exist_and_named_volumes_are_declared() -> None:
    declared = set(_compose().get("volumes", {}))
    for name, spec in _services().items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (COMPOSE_DIR / source).resolve().exists(), f"{name} mounts missing {source}"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_depends_on_names_real_services_with_conditions_they_can_meet() -> None:
    services = _services()
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    for name, spec in services.items():
        for dependency, rule in spec.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            target = services[dependency]
            if rule["condition"] == "service_healthy":
                has_check = "healthcheck" in target or ("build" in target and "HEALTHCHECK" in dockerfile)
                assert has_check, f"{name} waits for {dependency} to be healthy but it has no health check"
            elif rule["condition"] == "service_completed_successfully":
                assert target.get("restart") == "no", f"{dependency} is waited on as a job but restarts"


def test_the_set_up_jobs_and_the_worker_run_choruswatch_commands() -> None:
    services = _services()
    for job, command in CHORUSWATCH_JOBS.items():
        assert services[job]["command"] == command
    assert services["worker"]["command"] == ["worker"]
    # The workers start only after the topics and the index exist.
    assert set(services["worker"]["depends_on"]) >= {"topics", "es-setup"}


def test_topics_job_and_workers_agree_on_kafka_topics_and_partitions() -> None:
    for variable in (
        "CHORUSWATCH_KAFKA_BOOTSTRAP",
        "CHORUSWATCH_PARTITIONS",
        "CHORUSWATCH_TOPIC_MENTIONS",
        "CHORUSWATCH_TOPIC_ROUTED",
        "CHORUSWATCH_TOPIC_ALERTS",
        "CHORUSWATCH_TOPIC_DLQ",
    ):
        assert _setting("topics", variable) == _setting("worker", variable), variable


def test_kafka_listeners_serve_the_bootstrap_address_the_workers_use() -> None:
    kafka = _env("kafka")
    host, port = _setting("worker", "CHORUSWATCH_KAFKA_BOOTSTRAP").split(":")
    advertised = dict(
        (entry.split("://")[0], entry.split("://")[1])
        for entry in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    assert advertised[kafka["KAFKA_INTER_BROKER_LISTENER_NAME"]] == f"{host}:{port}"
    assert host == "kafka" and host in _services()
    assert "9094:9094" in _services()["kafka"]["ports"][0]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


@pytest.mark.parametrize(
    ("service", "variable", "target"),
    [
        ("worker", "CHORUSWATCH_ES_URL", "elasticsearch"),
        ("es-setup", "CHORUSWATCH_ES_URL", "elasticsearch"),
        ("kibana-import", "CHORUSWATCH_KIBANA_URL", "kibana"),
    ],
)
def test_urls_point_at_services_of_the_stack(service: str, variable: str, target: str) -> None:
    url = urlsplit(_env(service)[variable])
    assert url.hostname == target
    assert f"{url.port}:{url.port}" in _services()[target]["ports"][0]


def test_es_users_job_creates_the_user_the_workers_sign_in_with() -> None:
    users = _env("es-users")
    for name in ("worker", "es-setup"):
        assert _env(name)["CHORUSWATCH_ES_USERNAME"] == users["CHORUSWATCH_ES_USERNAME"]
        assert _env(name)["CHORUSWATCH_ES_PASSWORD"] == users["CHORUSWATCH_ES_PASSWORD"]
        assert _setting(name, "CHORUSWATCH_ES_ALIAS") == users["CHORUSWATCH_ES_ALIAS"]
    assert _env("kibana")["ELASTICSEARCH_PASSWORD"] == users["KIBANA_SYSTEM_PASSWORD"]


def test_prometheus_scrapes_the_worker_service_on_its_metrics_port() -> None:
    config = yaml.safe_load((DEPLOY_DIR / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    job = next(job for job in config["scrape_configs"] if job["job_name"] == "choruswatch")
    (sd,) = job["dns_sd_configs"]
    port = _setting("worker", "CHORUSWATCH_METRICS_PORT")
    assert sd["names"] == ["worker"]
    assert str(sd["port"]) == port
    assert port in _services()["worker"]["expose"]
    # Fixed host ports would make `--scale worker=N` fail.
    assert "ports" not in _services()["worker"]
    assert _bind_mounts("prometheus")["/etc/prometheus"] == (DEPLOY_DIR / "prometheus").resolve()
    assert "--config.file=/etc/prometheus/prometheus.yml" in _services()["prometheus"]["command"]


def test_grafana_mounts_what_its_provisioning_files_point_at() -> None:
    mounts = _bind_mounts("grafana")
    provisioning = mounts["/etc/grafana/provisioning"]
    provider = yaml.safe_load((provisioning / "dashboards" / "choruswatch.yml").read_text(encoding="utf-8"))
    dashboards_path = provider["providers"][0]["options"]["path"]
    assert (mounts[dashboards_path] / "choruswatch.json").is_file()
    datasource = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text(encoding="utf-8"))
    url = urlsplit(datasource["datasources"][0]["url"])
    assert url.hostname == "prometheus" and f"{url.port}:{url.port}" in _services()["prometheus"]["ports"][0]


def test_dockerfile_is_slim_non_root_cpu_torch_with_the_models_and_a_health_check() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim", text, re.M)
    assert re.search(r"^USER 10001", text, re.M)
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text
    torch_pin = re.search(r'"torch==([^"]+)"', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert torch_pin and torch_pin.group(1) == "2.13.0", "the image's torch must be the one pyproject pins"
    # The multilingual default fetched at build time, both models checked offline by `model build`.
    assert "snapshot_download('intfloat/multilingual-e5-small'" in text and "HF_HUB_OFFLINE=1" in text
    assert "CHORUSWATCH_MODEL=/opt/models/multilingual-e5-small" in text
    assert "choruswatch model build --model english" in text
    healthcheck = re.search(r"^HEALTHCHECK .*?(?<!\\)$", text, re.M | re.S)
    assert (
        healthcheck
        and "/health" in healthcheck.group(0)
        and "CHORUSWATCH_METRICS_PORT" in healthcheck.group(0)
    )
    assert re.search(r"^EXPOSE " + settings_defaults()["CHORUSWATCH_METRICS_PORT"], text, re.M)
    # Every path the build copies exists in the repository (the build context is the repository root).
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for path in source.split():
            assert (REPO_ROOT / path).exists(), f"Dockerfile copies missing {path}"


def test_readme_says_how_to_run_and_scale() -> None:
    readme = (COMPOSE_DIR / "README.md").read_text(encoding="utf-8")
    assert "docker compose up -d --build" in readme
    assert "--scale worker=" in readme
    for service in _services():
        assert f"`{service}`" in readme, f"README does not describe service {service}"


def test_compose_file_is_what_docker_compose_finds_by_default() -> None:
    # `docker compose` looks for compose.yaml first; a second candidate would shadow or confuse it.
    candidates = {"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}
    assert {path.name for path in COMPOSE_DIR.iterdir()} & candidates == {"compose.yaml"}


def test_relative_paths_in_compose_resolve_inside_the_repository() -> None:
    build = _services()["worker"]["build"]
    context = (COMPOSE_DIR / build["context"]).resolve()
    assert context == REPO_ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    assert Path(build["dockerfile"]).name == "Dockerfile"
