"""Helm values for inspect-k8s-sandbox from the compose specs our families write.

Checked against the chart's own values.schema.json and against the package's own
compose->values converter (no cluster is reachable here: nothing is installed or run).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

pytest.importorskip("k8s_sandbox", reason="needs the k8s extra (inspect-k8s-sandbox)")

from k8s_sandbox.compose import convert_compose_to_helm_values  # noqa: E402
from k8s_sandbox.compose._converter import ComposeConverterError  # noqa: E402

from longcat_evals.evals.terminal.environment import Environment  # noqa: E402
from longcat_evals.evals.terminal.sample_env import sandbox_spec  # noqa: E402
from longcat_evals.evals.terminal.spec import TerminalTask  # noqa: E402
from longcat_evals.sandboxes.compose import (  # noqa: E402
    RUNTIME_CAPABILITIES,
    SandboxLimits,
    docker_sandbox,
)
from longcat_evals.sandboxes.k8s import (  # noqa: E402
    K8sValuesError,
    helm_values,
    k8s_sandbox,
    load_compose,
    merged,
    validate,
)
from longcat_evals.sandboxes.network import EGRESS_NETWORK  # noqa: E402

BASE = "longcat-evals/base:0123456789ab"
PRO_IMAGE = "jefzda/sweap-images:nodebb.nodebb-NodeBB__NodeBB-04998908ba6721d64eba79ae3b65a351"


def _smoke():
    """As evals/smoke/task.py builds it: base image, no network, small limits."""
    return docker_sandbox(BASE, network=False, limits=SandboxLimits(memory_mb=512, pids=256))


def _swe_prebuilt():
    """An official instance's agent container alone: a pulled image, its repo dir."""
    return docker_sandbox(PRO_IMAGE, limits=SandboxLimits(cpus=2, memory_mb=8192, pids=4096),
                          working_dir="/app", local_image=False)  # fmt: skip


def _swe_instance(pro: bool):
    from longcat_evals.evals.swe.schema import ProGrading, SweInstance

    grading = ProGrading(run_script="x", parser_script="x", before_repo_set_cmd="x",
                         selected_test_files=["t.js"]) if pro else None  # fmt: skip
    return SweInstance(
        instance_id="owner__repo-1", repo="owner/repo", base_commit="1e137b07",
        problem_statement="x", patch="", test_patch="", FAIL_TO_PASS=["t"], PASS_TO_PASS=[],
        language="javascript", image=PRO_IMAGE, workdir="/app", pro=grading,
    )  # fmt: skip


def _swe_sample(pro: bool = False, network: str | None = None):
    """As evals/swe/dataset.py builds a sample: the agent's container and the grader."""
    from longcat_evals.evals.swe.grading import GradingOptions, swe_sandbox

    instance = _swe_instance(pro)
    limits = SandboxLimits(cpus=2, memory_mb=8192, pids=4096)
    grading = GradingOptions(network=network, limits=limits.model_copy(update={"memory_mb": 30720}))
    return swe_sandbox(instance, limits, grading.policy(instance))


def _network_on():
    """A Terminal-Bench task with allow_internet: one service on compose's default network."""
    return docker_sandbox(BASE, network=True, environment={"LANG": "C.UTF-8"})


def _terminal_multi(tmp_path: Path, offline: bool = True):
    """The terminal family's own multi-service spec: agent container plus a sidecar."""
    task = TerminalTask(id="db-task", path=tmp_path, format="harbor", instruction="x",
                        cpus=2, memory_mb=4096)  # fmt: skip
    env = Environment(
        image="longcat-evals/tb-db-task-main:abc",
        workdir="/app",
        main_service="client",
        environment={"PGHOST": "db"},
        services={"db": {"image": "longcat-evals/tb-db-task-db:abc",
                         "command": ["postgres", "-c", "fsync=off"],
                         "environment": {"POSTGRES_PASSWORD": "pw"}}},
    )  # fmt: skip
    return sandbox_spec(task, env, offline, None)


SHAPES = {
    "smoke": lambda tmp: _smoke(),
    "swe_prebuilt": lambda tmp: _swe_prebuilt(),
    "swe_with_grader": lambda tmp: _swe_sample(),
    "swe_pro_with_grader": lambda tmp: _swe_sample(pro=True),
    "swe_offline_grader": lambda tmp: _swe_sample(network="offline"),
    "network_on": lambda tmp: _network_on(),
    "terminal_multi": lambda tmp: _terminal_multi(tmp),
}
# Writing a network-on spec sets up the egress network on the engine (sandboxes/network.py).
NEEDS_ENGINE = {"swe_with_grader", "swe_pro_with_grader", "network_on"}
SHAPE_PARAMS = [
    pytest.param(name, marks=[pytest.mark.docker] if name in NEEDS_ENGINE else [])
    for name in SHAPES
]


@pytest.fixture
def shape_spec(request, tmp_path):
    """SHAPES[shape](tmp_path), with the engine ready first for the shapes that need it."""

    def make(shape: str):
        if shape in NEEDS_ENGINE:
            request.getfixturevalue("docker_engine")
        return SHAPES[shape](tmp_path)

    return make


@pytest.mark.parametrize("shape", SHAPE_PARAMS)
def test_every_family_shape_validates_against_the_charts_schema(shape, shape_spec):
    result = helm_values(shape_spec(shape))
    validate(result.values)  # helm_values validated already; a second look costs nothing
    default = result.values["services"]["default"]
    assert default["command"] == ["sleep", "infinity"]  # the entrypoint override survives
    assert default["securityContext"] == {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        # The same capability set the Docker sandbox runs with.
        "capabilities": {"drop": ["ALL"], "add": list(RUNTIME_CAPABILITIES)},
    }
    assert any("pids_limit" in note for note in result.notes)  # said, not silently dropped


def test_no_network_means_isolated_and_no_egress(tmp_path):
    values = helm_values(_smoke()).values
    assert values["services"]["default"]["networkIsolated"] is True
    assert "allowEntities" not in values and "allowDomains" not in values
    swe = helm_values(_swe_prebuilt()).values
    assert swe["services"]["default"]["networkIsolated"] is True


@pytest.mark.docker  # writes a network-on spec: the egress network is made
def test_network_on_opens_egress_to_the_world(tmp_path, docker_engine):
    values = helm_values(_network_on()).values
    assert values["allowEntities"] == ["world"]
    assert "networkIsolated" not in values["services"]["default"]


@pytest.mark.docker  # writes a network-on spec: the egress network is made
def test_swe_grader_carries_the_grading_policy_and_the_agent_stays_isolated(docker_engine):
    result = helm_values(_swe_sample())
    services = result.values["services"]
    agent, grader = services["default"], services["grader"]
    assert agent["networkIsolated"] is True  # the agent reaches nothing, the grader included
    # Online grading: the chart's egress policy opens the world; the isolated agent's pod
    # keeps its egressDeny (Cilium resolves deny before allow).
    assert result.values["allowEntities"] == ["world"] and "networkIsolated" not in grader
    # swebench's grading: the runtime's default capabilities plus SYS_ADMIN, nothing dropped.
    assert grader["securityContext"] == {
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["SYS_ADMIN"]},
    }
    assert grader["command"] == ["sleep", "infinity"] and grader["image"] == agent["image"]
    limits = {"cpu": 2.0, "memory": "30720Mi"}
    assert grader["resources"] == {"limits": limits, "requests": limits}
    assert any("services.grader: the container runtime's default capability set plus SYS_ADMIN"
               in note for note in result.notes), result.notes  # fmt: skip
    pro = helm_values(_swe_sample(pro=True))
    assert "capabilities" not in pro.values["services"]["grader"]["securityContext"]
    assert any("services.grader: the container runtime's default capability set (" in note
               for note in pro.notes), pro.notes  # fmt: skip


@pytest.mark.docker  # writes a network-on spec: the egress network is made
def test_a_swe_samples_log_copy_of_its_spec_converts_as_its_file_does(docker_engine):
    from longcat_evals.evals.swe.samples import to_sample

    sample = to_sample(_swe_instance(pro=False), SandboxLimits())
    logged = yaml.safe_load(sample.metadata["sandbox_compose"])
    assert set(logged["services"]) == {"default", "grader"}
    assert helm_values(logged).values == helm_values(sample.sandbox).values


def test_offline_swe_grader_is_isolated_with_the_offline_knobs():
    values = helm_values(_swe_sample(network="offline")).values
    grader = values["services"]["grader"]
    assert grader["networkIsolated"] is True and "allowEntities" not in values
    assert {"name": "PIP_NO_INDEX", "value": "1"} in grader["env"]


@pytest.mark.docker  # writes a network-on spec: the egress network is made
def test_offline_multi_service_reaches_its_sidecar_but_not_the_world(tmp_path, docker_engine):
    values = helm_values(_terminal_multi(tmp_path, offline=True)).values
    assert "allowEntities" not in values  # the chart denies egress beyond the sandbox's pods
    services = values["services"]
    assert services["default"]["networks"] == services["db"]["networks"] == ["tasknet"]
    assert services["default"]["additionalDnsRecords"] == ["client"]  # the task's own name
    assert services["db"]["dnsRecord"] is True
    # The sidecar keeps its image's ENTRYPOINT and gets the task's command as args.
    assert "command" not in services["db"] and services["db"]["args"][0] == "postgres"
    online = helm_values(_terminal_multi(tmp_path, offline=False)).values
    assert online["allowEntities"] == ["world"]


def test_resources_are_guaranteed_qos_with_the_compose_limits():
    resources = helm_values(_swe_prebuilt()).values["services"]["default"]["resources"]
    assert resources["limits"] == resources["requests"] == {"cpu": 2.0, "memory": "8192Mi"}
    scratch = helm_values(_swe_prebuilt(), ephemeral_storage="20Gi").values
    assert scratch["services"]["default"]["resources"]["limits"]["ephemeral-storage"] == "20Gi"


def test_registry_rewrites_every_image_and_pull_secrets_are_named(tmp_path):
    result = helm_values(_terminal_multi(tmp_path), registry="registry.lab:5000/evals/",
                         image_pull_secrets=["lab-pull"], runtime="runc")  # fmt: skip
    services = result.values["services"]
    assert (
        services["default"]["image"] == "registry.lab:5000/evals/longcat-evals/tb-db-task-main:abc"
    )
    assert services["db"]["image"].startswith("registry.lab:5000/evals/")
    assert result.values["imagePullSecrets"] == [{"name": "lab-pull"}]
    assert {s["runtimeClassName"] for s in services.values()} == {"runc"}


def test_schema_rejections_are_one_line_naming_the_value():
    bad = helm_values(_smoke()).values
    bad["services"]["default"]["privileged"] = True  # not a chart key (it is securityContext's)
    with pytest.raises(K8sValuesError, match=r"services\.default.*privileged"):
        validate(bad)
    wrong_type = copy.deepcopy(helm_values(_smoke()).values)
    wrong_type["services"]["default"]["networkIsolated"] = "yes"
    with pytest.raises(K8sValuesError, match="networkIsolated"):
        validate(wrong_type)


def test_untranslatable_compose_is_refused_not_dropped():
    config = load_compose(_smoke())
    config["services"]["default"]["volumes"] = ["/var/run/docker.sock:/var/run/docker.sock"]
    with pytest.raises(K8sValuesError, match=r"services\.default.*volumes"):
        helm_values(config)
    config = load_compose(_smoke())
    config["services"]["default"]["security_opt"] = ["seccomp=unconfined"]
    with pytest.raises(K8sValuesError, match="seccomp"):
        helm_values(config)
    config = load_compose(_smoke())
    config["services"]["default"]["mem_limit"] = "lots"
    with pytest.raises(K8sValuesError, match="mem_limit"):
        helm_values(config)
    with pytest.raises(K8sValuesError, match="default"):
        helm_values({"services": {"main": {"image": BASE}}})


def test_merge_follows_helm_null_deletes_and_lists_replace():
    defaults = {"services": {"default": {"command": ["tail"], "args": [], "image": "x"}}, "a": 1}
    out = merged({"services": {"default": {"command": None, "args": ["y"]}}}, defaults)
    assert out == {"services": {"default": {"args": ["y"], "image": "x"}}, "a": 1}


def test_k8s_sandbox_spec_points_at_a_values_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LONGCAT_STATE_DIR", str(tmp_path))
    spec = k8s_sandbox(_smoke())
    assert spec.type == "k8s"
    path = Path(spec.config.values)
    assert not path.name.endswith("compose.yaml")  # else the package would re-convert it
    assert yaml.safe_load(path.read_text()) == helm_values(_smoke()).values


# --- The package's own converter on the same specs -------------------------------------------

# Keys the package's converter refuses ("Unsupported key(s) in 'service'") and we translate.
# Keys the package's converter refuses: our secure defaults (limits, capabilities, the shared
# pids ceiling, cleanup labels).
REFUSED_BY_PACKAGE = ("pids_limit", "privileged", "cap_add", "cap_drop", "cgroup_parent", "labels")
SAME_MEANING = ("image", "command", "args", "workingDir", "env", "resources", "networkIsolated",
                "networks", "dnsRecord")  # fmt: skip


def _theirs(config: dict, tmp_path: Path) -> dict:
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(config))
    return convert_compose_to_helm_values(path)


def _without_keys(config: dict, keys) -> dict:
    config = copy.deepcopy(config)
    for spec in config["services"].values():
        for key in keys:
            spec.pop(key, None)
    return config


def _without_refused(config: dict) -> dict:
    """CONFIG as the package's converter accepts it: no hardening keys, no Docker egress network
    (a Docker-only device; on a cluster the world is reached through `allowEntities`)."""
    config = _without_keys(config, REFUSED_BY_PACKAGE)
    config.get("networks", {}).pop(EGRESS_NETWORK, None)
    for spec in config.get("networks", {}).values():
        spec.pop("labels", None)
        spec.pop("driver_opts", None)
    for spec in config["services"].values():
        if isinstance(spec.get("networks"), dict):
            spec["networks"].pop(EGRESS_NETWORK, None)
            if not spec["networks"]:
                spec.pop("networks")
    if not config.get("networks"):
        config.pop("networks", None)
    return config


@pytest.mark.parametrize("shape", SHAPE_PARAMS)
def test_package_converter_refuses_our_secure_defaults(shape, shape_spec, tmp_path):
    with pytest.raises(ComposeConverterError, match="pids_limit"):
        _theirs(load_compose(shape_spec(shape)), tmp_path)


@pytest.mark.parametrize("shape", SHAPE_PARAMS)
def test_package_converter_agrees_with_ours_where_both_say_the_same(shape, shape_spec, tmp_path):
    config = load_compose(shape_spec(shape))
    ours = helm_values(config).values
    plain = _without_refused(config)
    if shape == "terminal_multi":
        # The package passes a service's compose `networks` mapping (with aliases) through
        # unchanged, which the chart's schema refuses: the reason we keep our own conversion.
        with pytest.raises(K8sValuesError, match="networks"):
            validate(_theirs(plain, tmp_path))
        for spec in plain["services"].values():
            spec["networks"] = list(spec["networks"])
    theirs = _theirs(plain, tmp_path)
    validate(theirs)
    assert set(theirs["services"]) == set(ours["services"])
    for name, mine in ours["services"].items():
        other = theirs["services"][name]
        for key in SAME_MEANING:
            if key == "command" and "command" not in mine and name != "default":
                assert other.get("command") is None  # both keep the image's ENTRYPOINT
                continue
            assert mine.get(key) == other.get(key), f"{shape}: services.{name}.{key}"
        assert other["securityContext"]["allowPrivilegeEscalation"] is False
    # What only we carry: egress for network-on specs (the package leaves the chart's deny-all).
    assert "allowEntities" not in theirs


def test_the_package_reads_our_file_as_values_and_a_sample_carries_it(tmp_path, monkeypatch):
    from inspect_ai.dataset import Sample
    from k8s_sandbox._helm import StaticValuesSource
    from k8s_sandbox._sandbox_environment import (
        _create_values_source,
        _validate_and_resolve_k8s_sandbox_config,
    )

    monkeypatch.setenv("LONGCAT_STATE_DIR", str(tmp_path))
    spec = k8s_sandbox(_terminal_multi(tmp_path))
    resolved = _validate_and_resolve_k8s_sandbox_config(spec.config)
    # Static values, not re-converted as compose (which would refuse pids_limit, see below).
    assert isinstance(_create_values_source(resolved), StaticValuesSource)
    sample = Sample(input="x", sandbox=spec)
    dumped = sample.model_dump(mode="json")["sandbox"]
    assert dumped["type"] == "k8s" and dumped["config"]["values"] == str(spec.config.values)


def test_every_form_of_the_same_spec_gives_the_same_values(tmp_path):
    from inspect_ai.util import ComposeConfig

    spec = _terminal_multi(tmp_path)
    expected = helm_values(spec).values
    document = load_compose(spec)
    # A dict, the file, a (type, file) tuple, and Inspect's inline ComposeConfig (the form the
    # sandbox-API rework may switch the families to) all describe one sandbox.
    for form in (
        document,
        spec.config,
        ("docker", spec.config),
        # Inspect's ComposeConfig has no `cgroup_parent` (the Docker sandbox's shared pids
        # ceiling, which has no pod equivalent and only yields a note).
        ComposeConfig.model_validate(_without_keys(document, ("cgroup_parent", "labels"))),
    ):
        assert helm_values(form).values == expected


def _values_of(sample) -> dict:
    """The Helm values a sample's k8s sandbox points at, checked against the chart's schema."""
    assert sample.sandbox.type == "k8s", sample.sandbox
    values = yaml.safe_load(Path(sample.sandbox.config.values).read_text())
    validate(values)  # what `helm install` checks
    return values


@pytest.mark.docker
@pytest.mark.slow
def test_every_family_with_a_sandbox_runs_on_k8s_values_that_validate(docker_engine):
    """`-T sandbox=k8s` through each family's own task: the prepared samples carry chart values.

    The long-context families start no sandbox, so they take no such option.
    """
    from longcat_evals.evals.smoke.task import sandbox_smoke
    from longcat_evals.evals.swe.task import swe_local
    from longcat_evals.evals.terminal.task import terminal_bench

    registry = "registry.lab:5000"
    smoke = sandbox_smoke(agent="oracle", sandbox="k8s", k8s_registry=registry)
    for sample in smoke.dataset:
        values = _values_of(sample)
        assert values["services"]["default"]["image"].startswith(f"{registry}/")
        assert values["services"]["default"]["networkIsolated"] is True

    # Slicing a lazy dataset prepares just those samples (builds one image each).
    (swe,) = swe_local(agent="oracle", sandbox="k8s", k8s_registry=registry).dataset[:1]
    values = _values_of(swe)
    assert set(values["services"]) == {"default", "grader"}
    assert all(s["image"].startswith(f"{registry}/") for s in values["services"].values())
    assert swe.metadata["sandbox_compose"]  # the docker document the values came from

    (terminal,) = terminal_bench(agent="oracle", sandbox="k8s").dataset[:1]
    values = _values_of(terminal)
    assert "default" in values["services"]
    assert terminal.metadata["compose_file"].endswith(".yaml")


def test_an_unknown_sandbox_kind_is_one_line_before_any_work():
    from longcat_evals.evals.options import OptionError
    from longcat_evals.evals.swe.task import swe_bench_verified

    with pytest.raises(OptionError, match=r"swe_bench_verified: bad option -T sandbox='kube'"):
        swe_bench_verified(sandbox="kube")
