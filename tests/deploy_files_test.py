#!/usr/bin/python3
"""Checks the deployment files (deploy/): every YAML parses, the Kubernetes
manifests hold what production needs and agree with each other, the compose
file and the Dockerfile use the same configs and binaries as the loopback
tests, every streamtuned flag they pass exists, the replicas serve TLS (and so
require tokens) everywhere, `nginx -t` accepts the nginx config rendered both
plaintext (the loopback tests) and with TLS (compose), and `promtool check
config` the Prometheus one. No container engine
runs here, so this is how those files are tested.

Usage: deploy_files_test.py REPO_ROOT STREAMTUNED_BINARY
Needs Debian's python3-yaml, nginx, prometheus and openssl
(deploy/install-deps.sh).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT, STREAMTUNED = sys.argv[1], sys.argv[2]
DEPLOY = os.path.join(ROOT, "deploy")
results = {"passed": 0, "failed": 0}


def check(condition, what):
    if condition:
        results["passed"] += 1
    else:
        results["failed"] += 1
        print(f"FAIL: {what}")


def load_all(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


def streamtuned_flags():
    help_text = subprocess.run([STREAMTUNED, "--helpfull"], capture_output=True, text=True)
    return set(re.findall(r"--([a-z_]+)", help_text.stdout + help_text.stderr))


def flag_names(args):
    return [re.match(r"--([a-z_]+)", a).group(1) for a in args if a.startswith("--")]


# Every YAML file parses.
yaml_files = sorted(glob.glob(os.path.join(DEPLOY, "**", "*.yaml"), recursive=True))
check(len(yaml_files) >= 10, f"expected the compose, k8s and grafana YAML files, got {yaml_files}")
for path in yaml_files:
    try:
        load_all(path)
        check(True, path)
    except yaml.YAMLError as e:
        check(False, f"{path} does not parse: {e}")

known_flags = streamtuned_flags()
check({"listen", "database_url", "metrics_listen", "db_pool_size"} <= known_flags,
      f"streamtuned --helpfull lists its flags: {sorted(known_flags)[:10]}")

# Kubernetes: one of each kind production needs, consistent with each other.
k8s = {}
for path in glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml")):
    for doc in load_all(path):
        k8s.setdefault(doc["kind"], []).append(doc)
for kind in ["Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "Secret",
             "PodDisruptionBudget", "Kustomization"]:
    check(kind in k8s, f"deploy/k8s has a {kind}")
kustomization = k8s["Kustomization"][0]
for resource in kustomization["resources"]:
    check(os.path.exists(os.path.join(DEPLOY, "k8s", resource)), f"kustomization lists {resource}")

deployment = k8s["Deployment"][0]
labels = deployment["spec"]["template"]["metadata"]["labels"]
check(deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(),
      "the Deployment's selector matches its pods")
pod_spec = deployment["spec"]["template"]["spec"]
container = pod_spec["containers"][0]
ports = {p["name"]: p["containerPort"] for p in container["ports"]}
check(ports.get("grpc") == 50051 and ports.get("metrics") == 9464, f"container ports {ports}")
secrets = {s["metadata"]["name"]: s for s in k8s["Secret"]}
# TLS: the Secret's files mounted, the server's flags pointing at them.
tls_secret = secrets.get("streamtuned-tls", {})
check(tls_secret.get("type") == "kubernetes.io/tls"
      and {"tls.crt", "tls.key", "ca.crt"} <= set(tls_secret.get("stringData", {})),
      "a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt")
tls_volumes = [v["name"] for v in pod_spec.get("volumes", [])
               if v.get("secret", {}).get("secretName") == "streamtuned-tls"]
tls_mounts = [m for m in container.get("volumeMounts", []) if m["name"] in tls_volumes]
check(len(tls_mounts) == 1 and tls_mounts[0].get("readOnly"),
      "the TLS Secret is mounted read-only into the container")
tls_dir = tls_mounts[0]["mountPath"] if tls_mounts else "<not mounted>"
check(f"--tls_cert_file={tls_dir}/tls.crt" in container["args"]
      and f"--tls_key_file={tls_dir}/tls.key" in container["args"],
      f"k8s args serve TLS from the mounted Secret: {container['args']}")
# kubelet's grpc probe speaks no TLS: streamtunectl checks health over TLS.
for probe in ["startupProbe", "readinessProbe", "livenessProbe"]:
    spec = container.get(probe, {})
    command = spec.get("exec", {}).get("command", [])
    check("grpc" not in spec and command[:1] == ["/usr/local/bin/streamtunectl"]
          and command[-1:] == ["health"]
          and f"--server=127.0.0.1:{ports.get('grpc')}" in command
          and f"--tls_ca_file={tls_dir}/ca.crt" in command
          and any(a.startswith("--tls_server_name=") for a in command),
          f"{probe} runs streamtunectl health over TLS against the mounted CA: {spec}")
config_map = k8s["ConfigMap"][0]
for arg in container["args"]:
    for var in re.findall(r"\$\(([A-Z_]+)\)", arg):
        check(var in config_map["data"], f"arg {arg}: {var} is in the ConfigMap")
for flag in flag_names(container["args"]):
    check(flag in known_flags, f"k8s arg --{flag} is a streamtuned flag")
secret = secrets.get("streamtuned-database", {"metadata": {"name": ""}, "stringData": {}})
secret_refs = [e["valueFrom"]["secretKeyRef"] for e in container.get("env", [])
               if "secretKeyRef" in e.get("valueFrom", {})]
check(any(r["name"] == secret["metadata"]["name"] and r["key"] in secret["stringData"]
          and r["key"] == "STREAMTUNE_DATABASE_URL" for r in secret_refs),
      "the database URL comes from the Secret as STREAMTUNE_DATABASE_URL")
check(secret["stringData"].get("STREAMTUNE_DATABASE_URL", "").startswith("postgresql://"),
      "the Secret holds a PostgreSQL URL")
check(set(secrets) == {"streamtuned-database", "streamtuned-tls"},
      f"Secrets only for the database URL and TLS (tokens live in PostgreSQL): {sorted(secrets)}")
for service in k8s["Service"]:
    check(service["spec"]["selector"].items() <= labels.items(),
          f"Service {service['metadata']['name']} selects the pods")
hpa = k8s["HorizontalPodAutoscaler"][0]
check(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
      and hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment", "the HPA scales the Deployment")
check(hpa["spec"]["minReplicas"] >= 2, "the HPA keeps at least two replicas")
pdb = k8s["PodDisruptionBudget"][0]
check(pdb["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the PDB covers the pods")
check(pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"],
      "the PDB allows a drain at the HPA's minimum")

# Compose: the stack of the issue, built from deploy/Dockerfile.
compose = load_all(os.path.join(DEPLOY, "compose.yaml"))[0]
services = compose["services"]
replicas = [f"streamtuned-{i}" for i in (1, 2, 3)]
for name in ["certs", "postgres", *replicas, "nginx", "prometheus", "grafana"]:
    check(name in services, f"compose has service {name}")
dockerfile = open(os.path.join(DEPLOY, "Dockerfile")).read()
stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile, re.M)
check(len(stages) >= 2 and all(image.startswith("debian:bookworm") for image, _ in stages),
      f"multi-stage Dockerfile on Debian bookworm: {stages}")
stage_names = {name for _, name in stages}
for name in ["certs", *replicas, "nginx", "prometheus"]:
    build = services[name].get("build", {})
    check(build.get("dockerfile") == "deploy/Dockerfile" and build.get("target") in stage_names,
          f"compose {name} is built from deploy/Dockerfile (target {build.get('target')})")
    check(os.path.normpath(os.path.join(DEPLOY, build.get("context", ""))) == ROOT,
          f"compose {name} builds from the repository root")
for name in replicas:
    for flag in flag_names(services[name].get("command", [])):
        check(flag in known_flags, f"compose {name} flag --{flag} is a streamtuned flag")
    check(services[name]["environment"]["STREAMTUNE_DATABASE_URL"].startswith("postgresql://"),
          f"compose {name} gets the database URL")
    check({"--tls_cert_file=/certs/server.pem", "--tls_key_file=/certs/server.key"}
          <= set(services[name].get("command", [])), f"compose {name} serves TLS")
    check("certs:/certs:ro" in services[name].get("volumes", []),
          f"compose {name} mounts the certificates read-only")
    check(services[name]["depends_on"].get("certs", {}).get("condition")
          == "service_completed_successfully", f"compose {name} starts after the certificates")
# The certificates: gen-certs.sh, once, into the volume the others mount.
certs = services["certs"]
check("certs:/certs" in certs.get("volumes", []) and certs.get("command", [])[:1] == ["/certs"]
      and certs.get("restart") == "no", f"compose certs writes /certs once: {certs}")
check("certs" in compose.get("volumes", {}), "compose declares the certs volume")
postgres = services["postgres"]
check(postgres["environment"].get("POSTGRES_USER") != "streamtune"
      and any(v.startswith("./pg/compose-init.sql:/docker-entrypoint-initdb.d/")
              for v in postgres.get("volumes", [])),
      "compose PostgreSQL: the service's role is not the image's superuser")
with open(os.path.join(DEPLOY, "pg", "compose-init.sql")) as f:
    init_sql = f.read()
check("NOSUPERUSER NOBYPASSRLS" in init_sql and "OWNER streamtune" in init_sql,
      "compose-init.sql makes streamtune an ordinary role owning the database")
check(services["nginx"]["command"] == [f"{r}:50051" for r in replicas],
      "compose nginx balances over the three replicas' gRPC ports")
check(services["nginx"].get("environment", {}).get("NGINX_TLS_DIR") == "/certs"
      and "certs:/certs:ro" in services["nginx"].get("volumes", []),
      "compose nginx renders its config with TLS from the certificates")
check(set(services["nginx"]["depends_on"]) >= {"certs", *replicas},
      "compose nginx starts after the certificates and the replicas")
check(services["prometheus"]["command"] == [f"{r}:9464" for r in replicas],
      "compose Prometheus scrapes the three replicas")
# The images render the very templates the loopback tests render.
check("COPY deploy/nginx/ " in dockerfile and "nginx/render.sh" in dockerfile,
      "the nginx image uses deploy/nginx/render.sh and its template")
check("COPY deploy/prometheus/ " in dockerfile and "prometheus/render.sh" in dockerfile,
      "the Prometheus image uses deploy/prometheus/render.sh and its template")
# The images: streamtuned listens on every address with no plaintext
# escape hatch; the certs image has openssl and gen-certs.sh.
def stage_text(name):
    match = re.search(rf"^FROM\s+\S+\s+AS\s+{name}\s*$(.*?)(?=^FROM\s|\Z)", dockerfile,
                      re.M | re.S)
    return match.group(1) if match else ""
entrypoint = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", stage_text("streamtuned"), re.M)
entrypoint = json.loads(entrypoint.group(1)) if entrypoint else []
check(entrypoint[:1] == ["/usr/local/bin/streamtuned"]
      and "--listen=0.0.0.0:50051" in entrypoint
      and not any("tls" in arg or "insecure" in arg for arg in entrypoint),
      f"the streamtuned image listens on every address and needs TLS flags: {entrypoint}")
check("COPY --from=build /out/streamtuned /out/streamtunectl" in stage_text("streamtuned"),
      "the streamtuned image has streamtunectl (token-create, the k8s probes)")
certs_stage = stage_text("certs")
certs_entrypoint = re.findall(r"^ENTRYPOINT.*$", certs_stage, re.M)
check(re.search(r"apt-get install[^\n]*\bopenssl\b", certs_stage)
      and "COPY deploy/gen-certs.sh " in certs_stage
      and any("gen-certs.sh" in line for line in certs_entrypoint),
      "the certs image runs deploy/gen-certs.sh with openssl")
# No deployment file may start a plaintext server (comments may explain why).
for path in [os.path.join(DEPLOY, "Dockerfile"), os.path.join(DEPLOY, "compose.yaml"),
             *glob.glob(os.path.join(DEPLOY, "k8s", "*.yaml"))]:
    code = [line for line in open(path) if not line.lstrip().startswith("#")]
    check(not any("insecure_local_only" in line for line in code),
          f"{path} has no --insecure_local_only")
grafana_mounts = " ".join(services["grafana"].get("volumes", []))
check("./grafana/streamtune-dashboard.json" in grafana_mounts and "./grafana/provisioning" in grafana_mounts,
      "compose Grafana loads the dashboard and its provisioning")
datasource = load_all(os.path.join(DEPLOY, "grafana", "provisioning", "datasources",
                                   "prometheus.yaml"))[0]["datasources"][0]
check(datasource["url"] == "http://prometheus:9090", "Grafana's datasource is compose's Prometheus")
with open(os.path.join(DEPLOY, "grafana", "streamtune-dashboard.json")) as f:
    dashboard = json.load(f)
check(len([p for p in dashboard["panels"] if p.get("targets")]) >= 10, "the dashboard has panels")

# nginx -t on the shared template (loopback backends: nginx resolves
# upstream names at load time) and promtool on the Prometheus template with
# compose's targets.
with tempfile.TemporaryDirectory() as tmp:
    os.chmod(tmp, 0o755)
    run, cert_dir = os.path.join(tmp, "run"), os.path.join(tmp, "certs")
    subprocess.run(["bash", os.path.join(DEPLOY, "gen-certs.sh"), cert_dir], check=True,
                   capture_output=True)

    def render_nginx(name, env):
        conf = os.path.join(tmp, name)
        subprocess.run(["sh", os.path.join(DEPLOY, "nginx", "render.sh"), conf, "127.0.0.1:18080",
                        run, "127.0.0.1:50051", "127.0.0.1:50052", "127.0.0.1:50053"],
                       check=True, env={**os.environ, **env})
        rendered = open(conf).read()
        check(rendered.count("server 127.0.0.1:5005") == 3
              and not re.search(r"@[A-Z_]+@", rendered), f"{name}: render.sh fills every placeholder")
        check("grpc_next_upstream" in rendered, f"{name}: gRPC proxy with failover")
        nginx = subprocess.run(["nginx", "-t", "-p", run, "-e", "stderr", "-c", conf],
                               capture_output=True, text=True)
        check(nginx.returncode == 0, f"{name}: nginx -t: {nginx.stderr}")
        return rendered

    # Plaintext (the loopback tests, replicas with --insecure_local_only).
    plain = render_nginx("plain.conf", {"NGINX_TLS_DIR": ""})
    check(re.search(r"^\s*listen 127\.0\.0\.1:18080 http2;", plain, re.M)
          and "grpc_pass grpc://streamtuned;" in plain and "ssl" not in plain,
          "plaintext by default: no TLS on either side")
    # TLS (compose): served with the replicas' certificate, replicas verified.
    tls = render_nginx("tls.conf", {"NGINX_TLS_DIR": cert_dir})
    for line in ["listen 127.0.0.1:18080 ssl http2;", "grpc_pass grpcs://streamtuned;",
                 f"ssl_certificate {cert_dir}/server.pem;",
                 f"ssl_certificate_key {cert_dir}/server.key;",
                 f"grpc_ssl_trusted_certificate {cert_dir}/ca.pem;", "grpc_ssl_verify on;",
                 "grpc_ssl_name streamtuned;"]:
        check(re.search(rf"^\s*{re.escape(line)}$", tls, re.M), f"TLS config has {line}")
    missing = subprocess.run(["sh", os.path.join(DEPLOY, "nginx", "render.sh"),
                              os.path.join(tmp, "bad.conf"), "127.0.0.1:18080", run,
                              "127.0.0.1:50051"], capture_output=True, text=True,
                             env={**os.environ, "NGINX_TLS_DIR": os.path.join(tmp, "nothing")})
    check(missing.returncode != 0 and "NGINX_TLS_DIR" in missing.stderr,
          f"render.sh refuses a NGINX_TLS_DIR without certificates: {missing.stderr}")
    prom = os.path.join(tmp, "prometheus.yml")
    subprocess.run(["sh", os.path.join(DEPLOY, "prometheus", "render.sh"), prom, "5s",
                    *[f"{r}:9464" for r in replicas]], check=True)
    check(load_all(prom)[0]["scrape_configs"][0]["static_configs"][0]["targets"]
          == [f"{r}:9464" for r in replicas], "render.sh lists the scrape targets")
    promtool = subprocess.run(["promtool", "check", "config", prom], capture_output=True, text=True)
    check(promtool.returncode == 0, f"promtool check config: {promtool.stdout}{promtool.stderr}")

print(f"deploy: {results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
