"""course/hub/values.yaml, the Zero to JupyterHub values for a large class.

No cluster here: the file must be valid YAML, use the keys the chart's
configuration reference documents for what the class needs (the user image
built from binder/, per-user memory and CPU, the hub's config, the idle
culler, nbgrader's exchange volume), agree with the course (course id,
exchange path) and with the load figures the README states.
"""

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "course" / "hub" / "values.yaml"

# Top-level keys of the chart's values (its configuration reference).
CHART_TOP = {"custom", "hub", "proxy", "singleuser", "scheduling", "prePuller",
             "ingress", "cull", "debug", "rbac", "imagePullSecret",
             "imagePullSecrets", "global", "fullnameOverride", "nameOverride",
             "enabled"}
# The documented keys of `singleuser` this file may use.
SINGLEUSER = {"image", "defaultUrl", "memory", "cpu", "storage", "fsGid", "uid",
              "extraFiles", "extraEnv", "lifecycleHooks", "cmd", "startTimeout",
              "networkPolicy", "profileList", "nodeSelector", "extraResource"}
CULL = {"enabled", "users", "adminUsers", "removeNamedServers", "timeout",
        "every", "concurrency", "maxAge"}
SIZE = re.compile(r"^[0-9]+(\.[0-9]+)?[KMGT]$")


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(VALUES.read_text())


def test_valid_yaml_with_only_chart_keys(values):
    assert isinstance(values, dict)
    assert set(values) <= CHART_TOP, set(values) - CHART_TOP
    assert set(values["singleuser"]) <= SINGLEUSER, (
        set(values["singleuser"]) - SINGLEUSER)
    assert set(values["cull"]) <= CULL, set(values["cull"]) - CULL


def test_user_image_is_named_and_pinned(values):
    image = values["singleuser"]["image"]
    assert set(image) <= {"name", "tag", "pullPolicy", "pullSecrets"}
    assert image["name"] and image["tag"] and image["tag"] != "latest"
    assert isinstance(image["tag"], str)  # a number-like tag must be quoted


def test_memory_and_cpu_guarantees_and_limits(values):
    single = values["singleuser"]
    memory, cpu = single["memory"], single["cpu"]
    assert set(memory) == {"guarantee", "limit"} == set(cpu)
    for size in memory.values():
        assert SIZE.match(str(size)), size
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}

    def size_bytes(text):
        return float(text[:-1]) * units[text[-1]]

    assert size_bytes(memory["guarantee"]) <= size_bytes(memory["limit"])
    assert 0 < float(cpu["guarantee"]) <= float(cpu["limit"])


def test_hub_config_and_culler(values):
    config = values["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"]
    assert config["Authenticator"]["admin_users"]
    assert "dummy" not in str(config["JupyterHub"]["authenticator_class"])
    cull = values["cull"]
    assert cull["enabled"] is True and cull["timeout"] > 0 and cull["every"] > 0
    for name, code in values["hub"].get("extraConfig", {}).items():
        compile(code, f"hub.extraConfig.{name}", "exec")  # valid Python


def test_nbgrader_exchange_is_a_shared_volume_with_the_course_settings(values):
    storage = values["singleuser"]["storage"]
    volumes = {v["name"]: v for v in storage["extraVolumes"]}
    mounts = {m["name"]: m for m in storage["extraVolumeMounts"]}
    assert set(volumes) == set(mounts)
    exchange = mounts["nbgrader-exchange"]["mountPath"]
    assert "persistentVolumeClaim" in volumes["nbgrader-exchange"]
    config = values["singleuser"]["extraFiles"]["nbgrader-config"]
    assert config["mountPath"] == "/etc/jupyter/nbgrader_config.py"
    code = config["stringData"]
    compile(code, "nbgrader_config.py", "exec")
    assert f'c.Exchange.root = "{exchange}"' in code
    course = (ROOT / "course" / "nbgrader_config.py").read_text()
    course_id = re.search(r'course_id = "([^"]+)"', course).group(1)
    assert f'c.CourseDirectory.course_id = "{course_id}"' in code
    # students apart on the shared volume: one uid per user
    assert "c.KubeSpawner.uid" in values["hub"]["extraConfig"]["per-user-uid"]


def test_image_has_what_the_class_link_needs():
    pins = (ROOT / "binder" / "requirements.txt").read_text()
    assert re.search(r"^nbgitpuller==", pins, re.M)
    assert re.search(r"^nbgrader==", pins, re.M)
