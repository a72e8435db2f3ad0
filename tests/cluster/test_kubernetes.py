"""deploy/kubernetes/ says what the services need (make pytest; the schema check against
the Kubernetes JSON schemas is `make cluster-test`'s first step, kubernetes-validate)."""
from pathlib import Path

import yaml

from zelfscan_runtime import config, secrets

FOLDER = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"


def documents(*paths: Path) -> list:
    found = []
    for path in paths:
        found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


APPLIED = documents(*sorted(FOLDER.glob("*.yaml")))
SECRET_DOCS = documents(*sorted((FOLDER / "secrets").glob("*.yaml")))


def of_kind(kind: str, docs=APPLIED) -> dict:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(name: str) -> dict:
    return of_kind("Deployment")[f"zelfscan-{name}"]["spec"]["template"]["spec"]["containers"][0]


def secret_refs(name: str) -> dict:
    """environment variable -> (Secret, key) of one Deployment's container."""
    return {e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
            for e in container(name).get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}


def test_each_service_starts_as_make_run_starts_it_with_probes_on_its_health_route():
    health = {"rasa": "/", "actions": "/health", "handoff": "/health"}
    for service, path in health.items():
        c = container(service)
        assert c["command"] == ["python", "-m", "zelfscan_runtime", service]
        for probe in ("readinessProbe", "livenessProbe"):
            assert c[probe]["httpGet"]["path"] == path, (service, probe)
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
        assert {m["mountPath"] for m in c["volumeMounts"]} >= {"/var/lib/zelfscan", "/tmp"}
    data = of_kind("ConfigMap")["zelfscan-config"]["data"]
    assert data["ZELFSCAN_ENV"] == "production" and data["ZELFSCAN_VAR_DIR"] == "/var/lib/zelfscan"


def test_every_token_is_a_secret_and_each_service_gets_the_ones_it_needs():
    available = {name: set(d.get("stringData", {})) for name, d in of_kind("Secret", SECRET_DOCS).items()}
    needs = {"rasa": config.rasa_secrets({"RASA_ENABLE_API": "1"}) + ["TRACKER_STORE_URL", "LOCK_STORE_PASSWORD"],
             "actions": config.action_secrets(),
             "handoff": config.handoff_secrets() + ["HANDOFF_DATABASE_URL", "TRACKER_DB_URL"]}
    referenced = set()
    for service, names in needs.items():
        refs = secret_refs(service)
        assert set(names) <= set(refs), (service, set(names) - set(refs))
        for variable, (secret, key) in refs.items():
            assert key in available.get(secret, set()), (service, variable, secret, key)
            referenced.add(variable)
        # nothing a service does not need (least privilege)
        assert not set(refs) & (set(secrets.SECRETS) - set(names)), service
    assert set(secrets.SECRETS) <= referenced
    # the placeholders would be refused by production mode
    for name in secrets.SECRETS:
        secret, key = next(ref for svc in needs for var, ref in secret_refs(svc).items() if var == name)
        value = of_kind("Secret", SECRET_DOCS)[secret]["stringData"][key]
        assert secrets.problem(name, value), name


def test_shared_stores_and_routes_for_more_than_one_rasa_server():
    data = of_kind("ConfigMap")["zelfscan-config"]["data"]
    assert data["LOCK_STORE_URL"].startswith("redis://")
    assert data["ACTION_ENDPOINT_URL"] == "http://zelfscan-actions:5055/webhook"
    assert of_kind("Deployment")["zelfscan-rasa"]["spec"]["replicas"] >= 2
    assert of_kind("Deployment")["zelfscan-handoff"]["spec"]["replicas"] == 1
    ingresses = of_kind("Ingress")
    socketio = ingresses["zelfscan-socketio"]
    assert "upstream-hash-by" in " ".join(socketio["metadata"]["annotations"])
    assert [p["path"] for r in socketio["spec"]["rules"] for p in r["http"]["paths"]] == ["/socket.io"]
    routes = {p["path"]: p["backend"]["service"]["name"] for r in ingresses["zelfscan"]["spec"]["rules"]
              for p in r["http"]["paths"]}
    assert routes == {"/webhooks": "zelfscan-rasa", "/": "zelfscan-handoff"}
    services = of_kind("Service")
    for name, port in (("zelfscan-rasa", 5005), ("zelfscan-actions", 5055), ("zelfscan-handoff", 8000)):
        assert services[name]["spec"]["ports"][0]["port"] == port
        assert services[name]["spec"]["selector"] == {"app.kubernetes.io/name": name}
