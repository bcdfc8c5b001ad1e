"""The sample production deployment under deploy/k8s/ (docs/deployment.md) is valid and
consistent: the instance file goes through Dagster's own loading path (`InstanceRef.from_dir`,
which validates it against the instance schema) and each configurable class's config type;
the run queue's per-customer limit names the tag the project's runs really carry; the Helm
values say the same as the instance file. No cluster, no database, no network."""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "k8s"
INSTANCE_FILE = DEPLOY / "dagster.yaml"
VALUES_FILE = DEPLOY / "values.yaml"
ENV_FILE = DEPLOY / "tietohuolto-env.yaml"
DASK_FILE = DEPLOY / "dask.yaml"
# The Helm release name docs/deployment.md installs with: the chart names the instance
# ConfigMap `<release>-instance` (templates/configmap-instance.yaml).
RELEASE = "dagster"

# Values only for the test process: nothing connects to them.
PG_ENV = {
    "DAGSTER_PG_HOST": "dagster-db.invalid",
    "DAGSTER_PG_PORT": "5432",
    "DAGSTER_PG_USER": "dagster",
    "DAGSTER_PG_PASSWORD": "test-only",
    "DAGSTER_PG_DB": "dagster",
}

# Keys the Dagster chart knows (chart 1.13, helm/dagster/schema/schema/charts/dagster/values.py
# and subschema/*.py). In the sections whose models forbid extra keys, `helm install` rejects a
# misspelt key; at the top level the chart would silently ignore it. Either way: refused here.
CHART_KEYS = {
    "runLauncher": {"type", "config"},
    "k8sRunLauncher": {
        "image",
        "imagePullPolicy",
        "jobNamespace",
        "loadInclusterConfig",
        "kubeconfigFile",
        "envConfigMaps",
        "envSecrets",
        "envVars",
        "volumeMounts",
        "volumes",
        "labels",
        "failPodOnRunFailure",
        "resources",
        "schedulerName",
        "securityContext",
        "runK8sConfig",
    },
    "runK8sConfig": {
        "containerConfig",
        "podSpecConfig",
        "podTemplateSpecMetadata",
        "jobSpecConfig",
        "jobMetadata",
    },
    "runCoordinator": {"enabled", "type", "config"},
    "queuedRunCoordinator": {
        "maxConcurrentRuns",
        "tagConcurrencyLimits",
        "dequeueIntervalSeconds",
        "dequeueNumWorkers",
        "dequeueUseThreads",
        "blockOpConcurrencyLimitedRuns",
    },
    "tagConcurrencyLimit": {"key", "value", "limit"},
    "dagsterDaemon": {
        "enabled",
        "image",
        "runCoordinator",
        "heartbeatTolerance",
        "env",
        "envConfigMaps",
        "envSecrets",
        "deploymentLabels",
        "labels",
        "nodeSelector",
        "affinity",
        "tolerations",
        "podSecurityContext",
        "securityContext",
        "resources",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "annotations",
        "runMonitoring",
        "runRetries",
        "sensors",
        "schedules",
        "schedulerName",
        "volumeMounts",
        "volumes",
    },
    "dagsterWebserver": {
        "replicaCount",
        "image",
        "nameOverride",
        "pathPrefix",
        "service",
        "workspace",
        "env",
        "envConfigMaps",
        "envSecrets",
        "deploymentLabels",
        "labels",
        "nodeSelector",
        "affinity",
        "tolerations",
        "podSecurityContext",
        "securityContext",
        "resources",
        "readinessProbe",
        "livenessProbe",
        "startupProbe",
        "annotations",
        "enableReadOnly",
        "dbStatementTimeout",
        "dbPoolRecycle",
        "logLevel",
        "schedulerName",
        "volumeMounts",
        "volumes",
    },
    "retention": {"enabled", "sensor", "schedule", "autoMaterialize"},
    "userDeployment": {
        "name",
        "image",
        "dagsterApiGrpcArgs",
        "codeServerArgs",
        "includeConfigInLaunchedRuns",
        "port",
        "env",
        "envConfigMaps",
        "envSecrets",
        "annotations",
        "nodeSelector",
        "affinity",
        "tolerations",
        "podSecurityContext",
        "securityContext",
        "resources",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "labels",
        "volumeMounts",
        "volumes",
        "schedulerName",
        "initContainers",
        "sidecarContainers",
    },
    "top": {
        "global",
        "nameOverride",
        "fullnameOverride",
        "rbacEnabled",
        "dagsterWebserver",
        "dagster-user-deployments",
        "postgresql",
        "generatePostgresqlPasswordSecret",
        "generateCeleryConfigSecret",
        "rabbitmq",
        "redis",
        "flower",
        "ingress",
        "imagePullSecrets",
        "computeLogManager",
        "scheduler",
        "runLauncher",
        "pythonLogs",
        "dagsterDaemon",
        "busybox",
        "migrate",
        "telemetry",
        "serviceAccount",
        "retention",
        "concurrency",
        "additionalInstanceConfig",
        "extraManifests",
    },
}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def _load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)


def _snake_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {_snake(key): value for key, value in mapping.items()}


def _names(refs: list[dict[str, str]]) -> list[str]:
    return [ref["name"] for ref in refs]


@pytest.fixture
def pg_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in PG_ENV.items():
        monkeypatch.setenv(name, value)
    return PG_ENV


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing here may reach a cluster or a database: refuse any connection attempt."""
    import socket

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a deployment-config test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield


@pytest.fixture
def instance_ref(tmp_path: Path, pg_env: dict[str, str]) -> Any:
    """The sample as Dagster loads an instance: `$DAGSTER_HOME/dagster.yaml` through
    `InstanceRef.from_dir`, which runs `dagster_instance_config` (the instance schema) and
    turns each section into the ConfigurableClassData the instance would rehydrate."""
    from dagster._core.instance.ref import InstanceRef

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(INSTANCE_FILE, home / "dagster.yaml")
    return InstanceRef.from_dir(str(home))


@pytest.fixture(scope="module")
def customer_tag_key(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tag key that carries the customer on the runs the project requests, read off a
    real run request of the inbox sensor (a file dropped into `inbox/acme/`)."""
    from dagster import DagsterInstance, build_sensor_context

    work = tmp_path_factory.mktemp("sensor")
    inbox = work / "inbox" / "acme"
    inbox.mkdir(parents=True)
    (inbox / "crm-export.csv").write_text(
        "Yritys;Y-tunnus;Etunimi;Sukunimi;Sähköposti\n"
        "Esimerkki Oy;1234567-1;Matti;Meikäläinen;matti@example.fi\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIETOHUOLTO_VAR", str(work))
        patch.setenv("TIETOHUOLTO_REGISTER_URL", f"sqlite:///{work / 'register.sqlite'}")
        patch.setenv("TIETOHUOLTO_CUSTOMERS", str(work / "customers.toml"))
        patch.delenv("TIETOHUOLTO_INBOX", raising=False)
        from pipelines.sensors import inbox_sensor

        with DagsterInstance.ephemeral() as instance:
            first = inbox_sensor(build_sensor_context(instance=instance))
            second = inbox_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    requests = list(second.run_requests or [])
    assert len(requests) == 1, "the sensor should request one run for one complete file"
    keys = [key for key, value in requests[0].tags.items() if value == "acme"]
    assert len(keys) == 1, f"exactly one tag should carry the customer: {requests[0].tags}"
    return keys[0]


# -- the instance file --------------------------------------------------------------------


def test_instance_file_passes_dagsters_instance_validation(instance_ref: Any) -> None:
    assert instance_ref.custom_instance_class_data is None
    settings = instance_ref.settings
    assert settings["telemetry"] == {"enabled": False}
    assert settings["run_monitoring"]["enabled"] is True
    # A delivery hands data over in memory: a resumed run could not continue half-way.
    assert settings["run_monitoring"]["max_resume_run_attempts"] == 0
    assert "skipped" in settings["retention"]["sensor"]["purge_after_days"]
    assert instance_ref.storage_data.class_name == "DagsterPostgresStorage"
    assert instance_ref.run_coordinator_data.class_name == "QueuedRunCoordinator"
    assert instance_ref.run_launcher_data.class_name == "K8sRunLauncher"


def test_misspelt_instance_key_is_refused(tmp_path: Path, pg_env: dict[str, str]) -> None:
    """The validation above can fail: the same file with one section misspelt does."""
    from dagster._core.errors import DagsterInvalidConfigError
    from dagster._core.instance.ref import InstanceRef

    home = tmp_path / "dagster_home"
    home.mkdir()
    text = INSTANCE_FILE.read_text(encoding="utf-8").replace("run_monitoring:", "run_monitor:")
    (home / "dagster.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DagsterInvalidConfigError):
        InstanceRef.from_dir(str(home))


def test_postgres_storage_reads_the_environment_with_the_psycopg2_scheme(
    instance_ref: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster._config import process_config, resolve_to_config_type
    from dagster_postgres.utils import pg_url_from_config

    data = instance_ref.storage_data
    storage_class = importlib.import_module(data.module_name).__dict__[data.class_name]
    config_type = resolve_to_config_type(storage_class.config_type())
    result = process_config(config_type, data.config_dict)
    assert result.success, result.errors
    url = pg_url_from_config(result.value)
    assert url.startswith("postgresql+psycopg2://dagster:test-only@dagster-db.invalid:5432/")
    # The same production variables as the repository's own dagster.postgres.yaml.
    repo_db = _load(REPO / "dagster.postgres.yaml")["storage"]["postgres"]["postgres_db"]
    sample_db = data.config_dict["postgres_db"]
    for field in ("hostname", "port", "username", "password", "db_name", "scheme", "params"):
        assert sample_db[field] == repo_db[field], field
    # The values really come from the environment: without one, the config does not resolve.
    monkeypatch.delenv("DAGSTER_PG_HOST")
    assert not process_config(config_type, data.config_dict).success


def test_repository_postgres_instance_connects_with_tls(pg_env: dict[str, str]) -> None:
    """dagster.postgres.yaml (used with DAGSTER_PG_HOST) asks libpq for TLS: its URL, as
    dagster-postgres builds it, carries sslmode=require or verify-full. `params` go into
    the URL verbatim, so the mode must be a plain string there, not an `env:` mapping."""
    from dagster._config import process_config, resolve_to_config_type
    from dagster_postgres import DagsterPostgresStorage
    from dagster_postgres.utils import pg_url_from_config

    for path in (REPO / "dagster.postgres.yaml", INSTANCE_FILE):
        storage = _load(path)["storage"]["postgres"]
        sslmode = storage["postgres_db"]["params"]["sslmode"]
        assert sslmode in {"require", "verify-ca", "verify-full"}, (path.name, sslmode)
        config_type = resolve_to_config_type(DagsterPostgresStorage.config_type())
        result = process_config(config_type, storage)
        assert result.success, result.errors
        url = pg_url_from_config(result.value)
        assert url.endswith(f"?sslmode={sslmode}"), path.name


def test_run_queue_allows_one_run_per_customer(instance_ref: Any, customer_tag_key: str) -> None:
    """Rehydrated as the instance does, the QueuedRunCoordinator's own limits, applied by
    Dagster's own counter: a second run of one customer waits, another customer's does not."""
    from dagster import DagsterRun
    from dagster._core.run_coordinator import QueuedRunCoordinator, RunCoordinator
    from dagster._utils.tags import TagConcurrencyLimitsCounter

    coordinator = instance_ref.run_coordinator_data.rehydrate(as_type=RunCoordinator)
    assert isinstance(coordinator, QueuedRunCoordinator)
    queue = coordinator.get_run_queue_config()
    assert queue.max_concurrent_runs > 1
    per_customer = [
        limit for limit in queue.tag_concurrency_limits if limit["key"] == customer_tag_key
    ]
    assert per_customer == [
        {"key": customer_tag_key, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    ], f"no one-run-per-customer limit on the tag {customer_tag_key!r}"

    def run(customer: str) -> DagsterRun:
        return DagsterRun(job_name="refresh_job", tags={customer_tag_key: customer})

    counter = TagConcurrencyLimitsCounter(list(queue.tag_concurrency_limits), [run("acme")])
    assert counter.is_blocked(run("acme"))
    assert not counter.is_blocked(run("beta"))


@pytest.mark.parametrize("name", ["dagster.yaml", "dagster.postgres.yaml"])
def test_repository_instance_files_limit_the_same_tag(name: str, customer_tag_key: str) -> None:
    """The local instance files and the sample queue by the same tag."""
    limits = _load(REPO / name)["run_coordinator"]["config"]["tag_concurrency_limits"]
    sample = _load(INSTANCE_FILE)["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert [lim for lim in limits if lim["key"] == customer_tag_key] == [
        lim for lim in sample if lim["key"] == customer_tag_key
    ]


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    """A kubeconfig naming a cluster that is never contacted: building the launcher loads
    the client configuration only."""
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "test-only"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    return path


def test_k8s_run_launcher_config_is_valid(instance_ref: Any, kubeconfig: Path) -> None:
    """Validated against K8sRunLauncher's config type as `rehydrate` would, then built with
    that processed config (out of cluster: an unreachable kubeconfig instead)."""
    from dagster._config import process_config, resolve_to_config_type
    from dagster._serdes.config_class import class_from_code_pointer
    from dagster_k8s import K8sRunLauncher

    data = instance_ref.run_launcher_data
    launcher_class = class_from_code_pointer(data.module_name, data.class_name)
    assert launcher_class is K8sRunLauncher
    result = process_config(resolve_to_config_type(K8sRunLauncher.config_type()), data.config_dict)
    assert result.success, result.errors
    assert result.value["load_incluster_config"] is True
    launcher = K8sRunLauncher.from_config_value(
        None, {**result.value, "load_incluster_config": False, "kubeconfig_file": str(kubeconfig)}
    )
    assert launcher.instance_config_map == f"{RELEASE}-instance"
    assert launcher.postgres_password_secret
    assert launcher.job_namespace != "default"
    assert launcher.env_secrets and launcher.env_config_maps
    assert launcher.resources["requests"]["memory"] and launcher.resources["limits"]["memory"]
    # A bare KEY would be copied from the daemon's environment, and fail the launch there.
    assert all("=" in env_var for env_var in launcher.env_vars), launcher.env_vars


def test_misspelt_launcher_key_is_refused(instance_ref: Any) -> None:
    from dagster._config import process_config, resolve_to_config_type
    from dagster_k8s import K8sRunLauncher

    config = dict(instance_ref.run_launcher_data.config_dict)
    config["env_secret"] = config.pop("env_secrets")
    result = process_config(resolve_to_config_type(K8sRunLauncher.config_type()), config)
    assert not result.success


def test_run_pods_get_every_variable_the_instance_file_reads() -> None:
    """dagster.yaml reads DAGSTER_PG_* from the environment: the run pods must have them, from
    the ConfigMap the launcher names or (the password) from the postgres password secret."""
    instance = _load(INSTANCE_FILE)
    launcher = instance["run_launcher"]["config"]
    read = {
        value["env"]
        for value in instance["storage"]["postgres"]["postgres_db"].values()
        if isinstance(value, dict) and "env" in value
    }
    config_maps = {
        doc["metadata"]["name"]: doc["data"]
        for doc in _load_all(ENV_FILE)
        if doc["kind"] == "ConfigMap"
    }
    provided = {"DAGSTER_PG_PASSWORD"} if launcher.get("postgres_password_secret") else set()
    for name in launcher["env_config_maps"]:
        provided |= set(config_maps[name])
    assert read <= provided, f"not provided to run pods: {sorted(read - provided)}"


def test_env_config_map_names_only_variables_the_project_reads() -> None:
    """No invented variables: each one in the sample ConfigMap appears in the project's code
    (or, for DAGSTER_PG_*, in the instance file that reads it)."""
    packages = ("assets", "crmfile", "matching", "pipelines", "quality", "refresh", "register")
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for package in packages
        for path in (REPO / package).rglob("*.py")
    )
    instance_text = INSTANCE_FILE.read_text(encoding="utf-8")
    (config_map,) = [doc for doc in _load_all(ENV_FILE) if doc["kind"] == "ConfigMap"]
    for name in config_map["data"]:
        where = instance_text if name.startswith("DAGSTER_") else sources
        assert f'"{name}"' in where or f"env: {name}" in where, f"{name} is read nowhere"


def test_shared_volume_is_mounted_where_tietohuolto_var_points() -> None:
    launcher = _load(INSTANCE_FILE)["run_launcher"]["config"]
    (config_map,) = [doc for doc in _load_all(ENV_FILE) if doc["kind"] == "ConfigMap"]
    (claim,) = [doc for doc in _load_all(ENV_FILE) if doc["kind"] == "PersistentVolumeClaim"]
    assert "ReadWriteMany" in claim["spec"]["accessModes"]
    (volume,) = launcher["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    mounts = [m["mountPath"] for m in launcher["volume_mounts"] if m["name"] == volume["name"]]
    assert mounts == [config_map["data"]["TIETOHUOLTO_VAR"]]


# -- the Helm values ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return _load(VALUES_FILE)


def _unknown(section: dict[str, Any], allowed: str) -> set[str]:
    return set(section) - CHART_KEYS[allowed]


def test_values_use_only_keys_the_chart_knows(values: dict[str, Any]) -> None:
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    queued = coordinator["config"]["queuedRunCoordinator"]
    checks = [
        (values, "top"),
        (values["runLauncher"], "runLauncher"),
        (launcher, "k8sRunLauncher"),
        (launcher.get("runK8sConfig", {}), "runK8sConfig"),
        (values["dagsterDaemon"], "dagsterDaemon"),
        (coordinator, "runCoordinator"),
        (queued, "queuedRunCoordinator"),
        (values["dagsterWebserver"], "dagsterWebserver"),
        (values["retention"], "retention"),
        *[(limit, "tagConcurrencyLimit") for limit in queued["tagConcurrencyLimits"]],
        *[
            (deployment, "userDeployment")
            for deployment in values["dagster-user-deployments"]["deployments"]
        ],
    ]
    for section, allowed in checks:
        assert not _unknown(section, allowed), f"{allowed}: unknown {_unknown(section, allowed)}"
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert coordinator["enabled"] is True and coordinator["type"] == "QueuedRunCoordinator"


def test_values_queue_like_the_instance_file(values: dict[str, Any], customer_tag_key: str) -> None:
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    sample = _load(INSTANCE_FILE)["run_coordinator"]["config"]
    assert queued["maxConcurrentRuns"] == sample["max_concurrent_runs"]
    assert queued["dequeueIntervalSeconds"] == sample["dequeue_interval_seconds"]
    # The chart copies tagConcurrencyLimits into dagster.yaml verbatim (toYaml).
    assert queued["tagConcurrencyLimits"] == sample["tag_concurrency_limits"]
    assert customer_tag_key in {limit["key"] for limit in queued["tagConcurrencyLimits"]}


def test_values_launch_runs_like_the_instance_file(values: dict[str, Any]) -> None:
    chart = values["runLauncher"]["config"]["k8sRunLauncher"]
    sample = _load(INSTANCE_FILE)["run_launcher"]["config"]
    assert chart["jobNamespace"] == sample["job_namespace"]
    assert chart["imagePullPolicy"] == sample["image_pull_policy"]
    assert chart["loadInclusterConfig"] is sample["load_incluster_config"] is True
    assert _names(chart["envConfigMaps"]) == sample["env_config_maps"]
    assert _names(chart["envSecrets"]) == sample["env_secrets"]
    assert chart["envVars"] == sample["env_vars"]
    assert chart["resources"] == sample["resources"]
    assert chart["labels"] == sample["labels"]
    assert chart["securityContext"] == sample["security_context"]
    assert chart["failPodOnRunFailure"] == sample["fail_pod_on_run_failure"]
    assert _snake_keys(chart["runK8sConfig"]) == sample["run_k8s_config"]
    # Names the chart derives from the release and the globals.
    assert values["global"]["serviceAccountName"] == sample["service_account_name"]
    assert values["global"]["postgresqlSecretName"] == sample["postgres_password_secret"]
    assert sample["instance_config_map"] == f"{RELEASE}-instance"
    # The volume reaches run pods through the code location (includeConfigInLaunchedRuns),
    # not through the launcher as well: the same volume twice makes an invalid pod.
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True
    assert not chart["volumes"] and not chart["volumeMounts"]
    assert deployment["volumes"] == sample["volumes"]
    assert deployment["volumeMounts"] == sample["volume_mounts"]
    assert _names(deployment["envConfigMaps"]) == sample["env_config_maps"]
    assert _names(deployment["envSecrets"]) == sample["env_secrets"]


def test_values_store_the_instance_like_the_instance_file(values: dict[str, Any]) -> None:
    sample = _load(INSTANCE_FILE)
    pg = values["postgresql"]
    assert pg["enabled"] is False and pg["postgresqlHost"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert pg["postgresqlScheme"] == sample["storage"]["postgres"]["postgres_db"]["scheme"]
    assert pg["postgresqlParams"] == sample["storage"]["postgres"]["postgres_db"]["params"]
    monitoring = values["dagsterDaemon"]["runMonitoring"]
    assert _snake_keys(monitoring) == sample["run_monitoring"]
    assert values["dagsterDaemon"]["runRetries"]["enabled"] is False
    assert values["telemetry"]["enabled"] is sample["telemetry"]["enabled"] is False
    retention = values["retention"]
    assert retention["enabled"] is True
    for kind in ("schedule", "sensor"):
        assert retention[kind]["purgeAfterDays"] == sample["retention"][kind]["purge_after_days"]


def test_values_serve_the_projects_definitions(values: dict[str, Any]) -> None:
    """The code server runs `dagster api grpc -m <module>` with the module pyproject.toml
    names for Dagster, and that module loads the project's Definitions."""
    module_name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "dagster"
    ]["module_name"]
    user = values["dagster-user-deployments"]
    assert user["enabled"] is True
    (deployment,) = user["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", module_name]
    assert deployment["image"]["tag"] and deployment["image"]["tag"] != "latest"
    module = importlib.import_module(module_name)
    assert module.defs.resolve_job_def("refresh_job").name == "refresh_job"


def test_webserver_is_not_exposed(values: dict[str, Any]) -> None:
    """Dagster OSS has no login: no ingress, no load balancer; an auth proxy in front."""
    assert values["dagsterWebserver"]["service"]["type"] == "ClusterIP"
    assert values["ingress"]["enabled"] is False


# -- the Dask cluster for very large files --------------------------------------------------


def test_dask_cluster_runs_the_code_locations_image(values: dict[str, Any]) -> None:
    """Workers run the project's matching code: the very same image, and commands the
    installed `distributed` provides."""
    image = values["dagster-user-deployments"]["deployments"][0]["image"]
    expected = f"{image['repository']}:{image['tag']}"
    docs = _load_all(DASK_FILE)
    (service,) = [doc for doc in docs if doc["kind"] == "Service"]
    assert service["metadata"]["name"] == "dask-scheduler"
    assert 8786 in {port["port"] for port in service["spec"]["ports"]}
    commands = {}
    for deployment in (doc for doc in docs if doc["kind"] == "Deployment"):
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == expected, deployment["metadata"]["name"]
        commands[container["command"][1]] = container["command"]
    assert commands["scheduler"][:2] == ["dask", "scheduler"]
    assert commands["worker"][:3] == ["dask", "worker", "tcp://dask-scheduler:8786"]
    assert Path(sys.executable).with_name("dask").is_file()


def test_dask_workers_never_spill_customer_data_to_disk() -> None:
    """Blocks of a customer file are personal data: the workers' environment, as Dask itself
    reads it, turns spilling to local disk off."""
    import dask.config

    (worker,) = [
        doc
        for doc in _load_all(DASK_FILE)
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "dask-worker"
    ]
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    memory = dask.config.collect_env(env)["distributed"]["worker"]["memory"]
    assert memory["target"] is False and memory["spill"] is False


def test_image_build_leaves_customer_data_out() -> None:
    """var/ holds inboxes, outboxes and registers: the build context never includes it, and
    the final image gets the package as a wheel, not the repository."""
    docker = REPO / "deploy" / "docker"
    ignored = (docker / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert {"var/", "**/var/", ".venv/", "*.sqlite"} <= set(ignored)
    stages = (docker / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")
    assert "COPY . " not in stages[-1]
    assert "COPY --from=wheel /wheels" in stages[-1]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a NetworkPolicy podSelector (matchLabels only) selects a pod's labels."""
    assert set(selector) <= {"matchLabels"}, "only matchLabels is used (and understood here)"
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def _run_pod_labels(instance_ref: Any) -> dict[str, str]:
    """The labels of a run pod as dagster-k8s builds its Job from the sample launcher."""
    from dagster_k8s.job import DagsterK8sJobConfig, construct_dagster_k8s_job

    launcher = instance_ref.run_launcher_data.config_dict
    job_config = DagsterK8sJobConfig(
        job_image="registry.example.com/tietohuolto:0.1.0",
        dagster_home=launcher["dagster_home"],
        instance_config_map=launcher["instance_config_map"],
        labels=launcher["labels"],
    )
    job = construct_dagster_k8s_job(
        job_config,
        args=["dagster", "api", "execute_run"],
        job_name="dagster-run-1",
        component="run_worker",
        labels={"dagster/job": "refresh_job", "dagster/run-id": "1"},
    )
    return dict(job.spec.template.metadata.labels)


def test_dask_network_policies_admit_only_run_pods_and_workers(
    instance_ref: Any, values: dict[str, Any]
) -> None:
    """docs/deployment.md requires it: only the Dagster run pods (the clients) and the
    workers reach the scheduler's port; the workers accept the scheduler only and reach
    only the scheduler (and DNS)."""
    docs = _load_all(DASK_FILE)
    policies = {
        doc["metadata"]["name"]: doc["spec"] for doc in docs if doc["kind"] == "NetworkPolicy"
    }
    pods = {
        doc["metadata"]["name"]: doc["spec"]["template"]["metadata"]["labels"]
        for doc in docs
        if doc["kind"] == "Deployment"
    }
    run_pod = _run_pod_labels(instance_ref)
    # The Helm values label run pods the same way as the instance file.
    launcher_labels = values["runLauncher"]["config"]["k8sRunLauncher"]["labels"]
    assert launcher_labels == instance_ref.run_launcher_data.config_dict["labels"]
    others = {
        "code server": {
            "app.kubernetes.io/component": "user-deployments",
            "app.kubernetes.io/part-of": "tietohuolto",
        },
        "webserver": {"component": "dagster-webserver", "app.kubernetes.io/name": "dagster"},
        "any pod": {"app": "something-else"},
    }

    scheduler = policies["dask-scheduler"]
    assert _selects(scheduler["podSelector"], pods["dask-scheduler"])
    assert set(scheduler["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = scheduler["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8786}]
    peers = [peer["podSelector"] for peer in rule["from"]]
    assert all(set(peer) == {"podSelector"} for peer in rule["from"])  # this namespace only
    assert any(_selects(peer, run_pod) for peer in peers)
    assert any(_selects(peer, pods["dask-worker"]) for peer in peers)
    for name, labels in {**others, "scheduler": pods["dask-scheduler"]}.items():
        assert not any(_selects(peer, labels) for peer in peers), name

    worker = policies["dask-worker"]
    assert _selects(worker["podSelector"], pods["dask-worker"])
    assert not _selects(worker["podSelector"], run_pod)
    assert set(worker["policyTypes"]) == {"Ingress", "Egress"}
    (incoming,) = worker["ingress"]
    assert [peer["podSelector"] for peer in incoming["from"]] == [
        {"matchLabels": {"app.kubernetes.io/component": "dask-scheduler"}}
    ]
    for name, labels in {**others, "run pod": run_pod}.items():
        assert not _selects(incoming["from"][0]["podSelector"], labels), name
    to_pods = [rule for rule in worker["egress"] if "namespaceSelector" not in rule["to"][0]]
    (to_scheduler,) = to_pods
    assert _selects(to_scheduler["to"][0]["podSelector"], pods["dask-scheduler"])
    assert to_scheduler["ports"] == [{"protocol": "TCP", "port": 8786}]
    dns = [rule for rule in worker["egress"] if rule is not to_scheduler]
    assert all({port["port"] for port in rule["ports"]} == {53} for rule in dns)
