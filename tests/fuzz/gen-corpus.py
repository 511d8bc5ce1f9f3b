#!/usr/bin/env python3
"""tests/fuzz/gen-corpus.py - (re)write the seed corpora tests/fuzz/corpus/
and the dictionaries tests/fuzz/dict/.

The seeds are realistic inputs: the wire-contract examples, the fixtures of
tests/unit/test_wire.c (read from that file), the example configuration
files and pods, and hand-made variants that reach each decoder's branches
(every volume and state kind, nulls, numbers for quantities, case-variant
keys, wrong types, limits).  Run it from anywhere; it replaces each
target's directory.  The output is committed, so CI needs no Python.
"""
import copy
import json
import os
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
UID = "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"


def c_macro(path, name):
    """The string a C macro of concatenated literals (and UID) expands to."""
    text = open(path).read()
    m = re.search(r"#define %s\s*\\\n((?:.*\\\n)*.*\n)" % name, text)
    body = m.group(1)
    out = []
    for tok in re.finditer(r'"((?:[^"\\]|\\.)*)"|\bUID\b', body):
        if tok.group(0) == "UID":
            out.append(UID)
        else:
            out.append(tok.group(1).replace('\\"', '"').replace("\\\\", "\\"))
    return "".join(out).replace("'", '"')


def j(o):
    return json.dumps(o, separators=(",", ":"))


class Corpus:
    def __init__(self, target):
        self.dir = os.path.join(HERE, "corpus", target)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.n = 0

    def add(self, name, data):
        if isinstance(data, (dict, list)):
            data = j(data)
        if isinstance(data, str):
            data = data.encode()
        self.n += 1
        fname = "%02d-%s" % (self.n, name)
        with open(os.path.join(self.dir, fname), "wb") as f:
            f.write(data)


TEST_WIRE = os.path.join(ROOT, "tests", "unit", "test_wire.c")
POD_FULL = json.loads(c_macro(TEST_WIRE, "POD_FULL"))
POD_FULL_TEXT = c_macro(TEST_WIRE, "POD_FULL")  # keeps the \u escapes
JOB_CONFIG = json.loads(c_macro(TEST_WIRE, "JOB_CONFIG"))
STATUS_EXAMPLE = json.loads(c_macro(TEST_WIRE, "STATUS_EXAMPLE"))
LOG_UNSET = json.loads(c_macro(TEST_WIRE, "LOG_UNSET"))
PING_FULL = json.loads(c_macro(TEST_WIRE, "PING_FULL"))

# wire-contract.md §1.4: POST /create (VK -> API)
POD_CONTRACT = {
    "metadata": {"name": "job-a", "namespace": "default", "uid": UID,
                 "annotations": {"slurm-job.vk.io/flags": "--time=01:00:00"}},
    "spec": {"containers": [{"name": "main", "image": "docker://alpine",
                             "command": ["sh", "-c", "echo hi"],
                             "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app"}]}],
             "volumes": [{"name": "cfg", "configMap": {"name": "app-cfg"}}],
             "nodeName": "vk-slurm"},
    "status": {"phase": "Pending", "podIP": "127.0.0.1"}}
PCR_CONTRACT = {
    "pod": POD_CONTRACT,
    "configmaps": [{"metadata": {"name": "app-cfg", "namespace": "default"},
                    "data": {"app.conf": "x=1\n"}}],
    "secrets": None, "projectedvolumesmaps": None, "jobscriptURL": ""}

# examples/pods/hello.yaml as the VK would send it
POD_HELLO = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "hello", "namespace": "default", "uid": UID,
                 "annotations": {"slurm-job.vk.io/flags": "--time=00:05:00"},
                 "creationTimestamp": None},
    "spec": {"restartPolicy": "Never", "containers": [{
        "name": "hello", "image": "docker://busybox:1.36",
        "command": ["sh", "-c"],
        "args": ["echo \"Hello from pod $POD_GREETING on $(hostname)\"\n"
                 "echo \"this line went to stderr\" >&2\necho \"done\"\n"],
        "env": [{"name": "POD_GREETING",
                 "value": "hello, it's \"quoted\" & $(not expanded)"}],
        "resources": {"limits": {"cpu": "1", "memory": "128Mi"}}}]},
    "status": {"phase": "Pending", "podIP": "127.0.0.1"}}


def pod_variants():
    """(name, pod) pairs that reach the pod decoder's branches."""
    out = [("pod-full", POD_FULL), ("pod-contract", POD_CONTRACT),
           ("pod-hello", POD_HELLO)]
    p = copy.deepcopy(POD_HELLO)
    p["spec"]["containers"].append({
        "name": "side", "image": "/shared/sif/tool.sif",
        "command": None, "args": ["it's", "a b", "$(x)", "`y`", "\\", "'"],
        "workingDir": "/w d", "env": [{"name": "A", "value": ""},
                                     {"name": "B_2"}, {"name": "C", "value": None}],
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch", "readOnly": False,
                          "subPath": "x/y"}],
        "resources": {"requests": {"cpu": 0.5, "memory": 1073741824,
                                   "nvidia.com/gpu": 1},
                      "limits": {"amd.com/gpu": "2", "cpu": "1500m"}}})
    p["spec"]["initContainers"] = [{"name": "init", "image": "oras://r/i:1",
                                    "command": ["true"]}]
    p["spec"]["volumes"] = [{"name": "scratch", "emptyDir": {"medium": "Memory"}}]
    p["metadata"]["annotations"]["slurm-job.vk.io/image-root"] = "/sif/"
    out.append(("pod-two-containers", p))
    vols = [
        {"name": "a", "configMap": {"name": "cm", "items": [{"key": "k", "path": "p/q", "mode": 256}],
                                    "defaultMode": 420, "optional": True}},
        {"name": "b", "secret": {"secretName": "s", "defaultMode": 384}},
        {"name": "c", "projected": {"sources": [], "defaultMode": 420}},
        {"name": "d", "downwardAPI": {"items": [{"path": "labels",
                                                 "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "e", "emptyDir": {}},
        {"name": "f", "hostPath": {"path": "/data", "type": "DirectoryOrCreate"}},
        {"name": "g", "persistentVolumeClaim": {"claimName": "pvc"}},
        {"name": "h"},
        {"name": "i", "nfs": None, "csi": {"driver": "x"}},
    ]
    p = copy.deepcopy(POD_CONTRACT)
    p["spec"]["volumes"] = vols
    p["spec"]["containers"][0]["volumeMounts"] = [
        {"name": v["name"], "mountPath": "/m/" + v["name"]} for v in vols]
    out.append(("pod-all-volume-kinds", p))
    p = copy.deepcopy(POD_CONTRACT)
    p["spec"]["securityContext"] = {"runAsUser": 1000, "runAsGroup": 100}
    p["metadata"]["labels"] = {"app": "x", "": "empty-key?"}
    out.append(("pod-security-labels", p))
    out.append(("pod-nulls", {"metadata": None, "spec": {"containers": None,
                                                         "initContainers": [None],
                                                         "volumes": None},
                              "status": None}))
    out.append(("pod-minimal", {"metadata": {"uid": UID},
                                "spec": {"containers": [{"name": "c", "image": "i"}]}}))
    out.append(("pod-case-keys", {"Metadata": {"NAME": "x", "uid": UID, "UID": "y"},
                                  "SPEC": {"Containers": [{"Name": "c", "IMAGE": "i"}],
                                           "containers": [{"name": "d", "image": "j"}]}}))
    out.append(("pod-wrong-type-name", {"metadata": {"name": 5}}))
    out.append(("pod-wrong-type-list", {"spec": {"containers": {"name": "c"}}}))
    out.append(("pod-wrong-mode", {"spec": {"volumes": [{"name": "v", "configMap": {
        "defaultMode": 1.5}}]}}))
    out.append(("pod-big-int", {"spec": {"securityContext": {"runAsUser": 9007199254740993}}}))
    out.append(("pod-qty-forms", {"spec": {"containers": [{"name": "c", "image": "i",
        "resources": {"limits": {"cpu": 1e300, "memory": -0.0, "nvidia.com/gpu": True}}}]}}))
    return out


def gen_wire_pod():
    c = Corpus("wire_pod")
    for name, p in pod_variants():
        c.add(name, p)
    c.add("pod-full-escapes", POD_FULL_TEXT)
    c.add("pod-pretty", json.dumps(POD_CONTRACT, indent=2))
    c.add("status-request-array", [POD_CONTRACT, POD_HELLO])
    c.add("status-request-empty", "[]")
    c.add("status-request-null-elem", "[null, 1, \"x\", {}]")
    c.add("unicode", '{"metadata":{"name":"\\u00e9\\ud83d\\ude00","uid":"\\u0041"}}')
    c.add("bad-unicode", '{"metadata":{"name":"\\ud800x","uid":"\\u0000"}}')
    c.add("trailing", '{"metadata":{}} x')
    c.add("deep", "[" * 64 + "]" * 64)
    c.add("too-deep", "[" * 65 + "]" * 65)
    c.add("control-char", '{"a":"b\tc"}')
    c.add("numbers", '{"spec":{"securityContext":{"runAsUser":-1e-5}},"x":[1.5e308,-0,0.1]}')
    c.add("empty", "")
    c.add("spaces", " \n\t\r ")


def gen_wire_create():
    c = Corpus("wire_create")
    c.add("pcr-contract", PCR_CONTRACT)
    full = {"pod": POD_FULL,
            "configmaps": [{"metadata": {"name": "app-cfg", "namespace": "default"},
                            "data": {"app.conf": "x=1\n", "conf/other": "y"},
                            "binaryData": {"bin": "AAEC/w=="}},
                           {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "PEM"}}],
            "secrets": [{"metadata": {"name": "app-secret", "namespace": "default"},
                         "data": {"password": "aHVudGVyMg==", "empty": ""},
                         "stringData": {"plain": "text"}, "type": "Opaque"}],
            "projectedvolumesmaps": [{"metadata": {"name": "kube-api-access-x"},
                                      "data": {"token": "t", "ca.crt": "PEM",
                                               "namespace": "default"}}],
            "jobscriptURL": "http://example.org/job.sh"}
    c.add("pcr-full", full)
    c.add("pcr-hello", {"pod": POD_HELLO, "configmaps": None, "secrets": None,
                        "projectedvolumesmaps": None, "jobscriptURL": ""})
    for name, p in pod_variants()[3:8]:
        c.add("pcr-" + name, {"pod": p, "configmaps": [], "secrets": []})
    bad = copy.deepcopy(full)
    bad["secrets"][0]["data"]["password"] = "not base64!"
    c.add("pcr-bad-base64", bad)
    c.add("pcr-no-pod", {"configmaps": None})
    c.add("pcr-pod-null", {"pod": None})
    c.add("known-pcr-dup-case", '{"Pod":{"metadata":{"uid":"a"}},"pod":{"metadata":{"uid":"b"},'
                          '"spec":{"containers":[{"name":"c","image":"i"}]}}}')
    # RetrievedPodData (wire-contract.md §2.3)
    rpd = {"pod": POD_CONTRACT,
           "container": [{"name": "main",
                          "configMaps": [{"metadata": {"name": "app-cfg", "namespace": "default"},
                                          "data": {"app.conf": "x=1\n"}}],
                          "projectedvolumemaps": None, "secrets": None, "emptyDirs": None}],
           "jobConfig": JOB_CONFIG}
    c.add("rpd-contract", rpd)
    r2 = copy.deepcopy(rpd)
    r2["pod"] = POD_FULL
    r2["container"] = [
        {"name": "init", "configMaps": None, "projectedvolumemaps": None, "secrets": None},
        {"name": "main", "configMaps": full["configmaps"],
         "projectedvolumemaps": full["projectedvolumesmaps"], "secrets": full["secrets"]},
        {"name": "side"}]
    r2["jobScript"] = "#!/bin/sh\necho hi\n"
    c.add("rpd-full", r2)
    c.add("rpd-empty-lists", {"pod": POD_HELLO, "container": [], "jobScript": ""})
    c.add("rpd-wrong", {"pod": [], "container": {}})


def gen_wire_status():
    c = Corpus("wire_status")
    c.add("status-contract", [STATUS_EXAMPLE])
    c.add("status-object", STATUS_EXAMPLE)
    term = {"name": "job-a", "UID": UID, "namespace": "default", "JID": "918273",
            "containers": [
                {"name": "main", "state": {"terminated": {
                    "exitCode": 3, "signal": 9, "reason": "Error", "message": "exit 3",
                    "startedAt": "2026-07-14T10:00:00Z", "finishedAt": "2026-07-14T10:05:00.5+02:00"}},
                 "lastState": {"running": {"startedAt": "2026-07-14T09:00:00Z"}},
                 "ready": False, "restartCount": 1, "image": "docker://alpine",
                 "imageID": "sha256:x", "started": False}],
            "initContainers": [
                {"name": "init", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                 "lastState": {}, "ready": False, "restartCount": 0, "image": "", "imageID": ""}]}
    c.add("status-terminated", [term])
    wait = copy.deepcopy(STATUS_EXAMPLE)
    wait["containers"][0]["state"] = {"waiting": {"reason": "ContainerCreating", "message": None}}
    wait["containers"][0]["started"] = True
    c.add("status-waiting", [wait])
    c.add("status-many", [STATUS_EXAMPLE, term, wait])
    c.add("status-empty", [])
    c.add("status-nulls", [{"name": None, "containers": None, "initContainers": None}])
    c.add("status-time-forms", [{"containers": [{"state": {"running": {
        "startedAt": "0001-01-01T00:00:00Z"}}, "lastState": {"terminated": {
            "exitCode": -1, "startedAt": "1970-01-01T00:00:00.000000001-23:59",
            "finishedAt": "9999-12-31T23:59:59Z"}}}]}])
    c.add("status-bad-time", [{"containers": [{"state": {"running": {"startedAt": "2026-02-30T00:00:00Z"}}}]}])
    c.add("status-bad-exit", [{"containers": [{"state": {"terminated": {"exitCode": 2147483648}}}]}])
    c.add("status-two-states", [{"containers": [{"state": {"waiting": {}, "running": {}}}]}])
    c.add("status-case", '[{"Name":"x","uid":"y","JID":1,"CONTAINERS":[]}]')
    c.add("known-started-year-minus-1", [{"containers": [{"state": {"running": {
        "startedAt": "0000-01-01T00:00:00+01:00"}}}]}])
    c.add("known-started-zero-time-fraction", [{"containers": [{"state": {"running": {
        "startedAt": "0001-01-01T00:00:00.059Z"}}}]}])


def gen_wire_misc():
    c = Corpus("wire_misc")
    c.add("create-struct", {"PodUID": UID, "PodJID": "918273"})
    c.add("create-struct-case", {"poduid": UID, "podjid": 918273})
    c.add("create-struct-null", {"PodUID": None, "PodJID": ""})
    c.add("ping-full", PING_FULL)
    c.add("ping-status-only", {"status": "ok"})
    c.add("ping-numbers", {"status": "ok", "resources": {"cpu": 512, "memory": 2.5e12,
                                                         "pods": "1000", "accelerators": []},
                           "taints": []})
    c.add("ping-null-taints", {"resources": None, "taints": None})
    c.add("ping-bad", {"resources": {"accelerators": [{"available": True}]}})
    for s in ["", "QQ==", "QUI=", "QUJD", "aHVudGVyMg==", "AAEC/w==", "QR==", "====",
              "A===", "Zm9v\nYmFy", "-_-_"]:
        c.add("base64", s)


def gen_wire_logs():
    c = Corpus("wire_logs")
    c.add("log-unset", LOG_UNSET)
    full = copy.deepcopy(LOG_UNSET)
    full["Opts"] = {"Tail": 10, "Bytes": 0, "Timestamps": True, "Follow": False,
                    "Previous": False, "SinceSeconds": 0,
                    "SinceTime": "2026-07-14T10:00:00.123456789+02:00"}
    c.add("log-since-time", full)
    o = copy.deepcopy(LOG_UNSET)
    o["Opts"].update({"Tail": 0, "Bytes": 1048576, "SinceSeconds": 3600,
                      "SinceTime": "0001-01-01T00:00:00Z"})
    c.add("log-bytes-since-seconds", o)
    c.add("log-no-opts", {"Namespace": "default", "PodUID": UID, "PodName": "job-a",
                          "ContainerName": "main"})
    c.add("log-null-opts", {"Namespace": "default", "PodUID": UID, "Opts": None})
    c.add("log-case", {"namespace": "ns", "poduid": UID, "opts": {"tail": -1, "bytes": 9007199254740992,
                                                                   "sincetime": ""}})
    c.add("log-bad-tail", {"Opts": {"Tail": 1.5}})
    c.add("log-bad-time", {"Opts": {"SinceTime": "yesterday"}})
    c.add("log-year0", {"Opts": {"SinceTime": "0000-01-01T00:00:00Z"}})
    # known findings (see tests/fuzz/README.md): FUZZ_STRICT=1 fails on them
    c.add("known-since-time-year-minus-1", {"Opts": {"SinceTime": "0000-01-01T00:00:00+01:00"}})
    c.add("known-bytes-2-53", {"Opts": {"Bytes": 9007199254740992}})
    for t in ["2026-07-14T10:00:00Z", "2026-07-14T10:00:00.5Z", "2024-02-29T23:59:59-00:30",
              "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-07-14T10:00:00",
              "2026-13-01T00:00:00Z", "2026-07-14T10:00:00.1234567891Z", "1970-01-01T00:00:00+14:00"]:
        c.add("time", t)


YAML_DIR = os.path.join(ROOT, "examples")


def example(path):
    return open(os.path.join(YAML_DIR, path)).read()


SLURM_CONF = example("config/SlurmConfig.yaml")
GW_CONF = example("config/InterLinkConfig.yaml")
MANIFEST_CM = """apiVersion: v1
kind: Pod
metadata:
  name: with-config
  namespace: team-a
spec:
  restartPolicy: Never
  volumes:
    - name: cfg
      configMap:
        name: app-cfg
        items: [{key: app.conf, path: conf/app.conf, mode: 0644}]
    - name: creds
      secret: {secretName: app-secret, defaultMode: 0400, optional: true}
    - name: podinfo
      downwardAPI:
        items:
          - path: labels
            fieldRef: {fieldPath: metadata.labels}
    - name: proj
      projected:
        sources:
          - serviceAccountToken: {path: token}
          - configMap: {name: app-cfg}
    - name: scratch
      emptyDir: {}
  containers:
    - name: main
      image: docker://alpine:3.20
      command: [sh, -c, 'cat /etc/app/conf/app.conf']
      env:
        - {name: A, value: "1"}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: FROM_CM
          valueFrom: {configMapKeyRef: {name: app-cfg, key: app.conf}}
        - name: FROM_SECRET
          valueFrom: {secretKeyRef: {name: app-secret, key: password, optional: true}}
      envFrom:
        - configMapRef: {name: app-cfg}
      volumeMounts:
        - {name: cfg, mountPath: /etc/app, readOnly: true}
        - {name: scratch, mountPath: /scratch}
      resources:
        limits: {cpu: 2, memory: 1Gi, nvidia.com/gpu: 1}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-cfg}
data:
  app.conf: |
    x=1
    y=2
binaryData:
  bin: AAEC/w==
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
type: Opaque
data: {password: aHVudGVyMg==}
stringData: {plain: text}
"""


def gen_yamljson():
    c = Corpus("yamljson")
    c.add("slurm-config", SLURM_CONF)
    c.add("gateway-config", GW_CONF)
    c.add("pod-hello", example("pods/hello.yaml"))
    c.add("pod-two", example("pods/two-containers.yaml"))
    c.add("manifest-multi", MANIFEST_CM)
    c.add("docs", "a: 1\n---\nb: 2\n")
    c.add("docs-ends", "---\na: x\n...\n---\n- 1\n- two\n")
    c.add("scalar-doc", "--- scalar doc\n")
    c.add("empty-docs", "---\n---\na: 1\n---\n...\n---\n~\n---\nnull\n")
    c.add("empty", "")
    c.add("comment", "# only a comment\n")
    c.add("flow", "a: {}\nb: []\nc: {x: [1, two, 'three', ~]}\n")
    c.add("nulls-bools", "a: ~\nb: null\nc: Null\nd:\ne: true\nf: yes\ng: On\nh: n\ni: OFF\nj: tRue\n")
    c.add("ints", "a: 42\nb: -17\nc: +5\nd: 0644\ne: 0o644\nf: 0x1F\ng: -0x10\nh: 0b101\n"
                  "i: 1_000_000\nj: 09\nk: 3000000000\nl: 0xFFFFFFFFFFFFFFFFF\n")
    c.add("floats", "a: 3.14\nb: -2.5\nc: 1e3\nd: 1.5E-3\ne: .5\nf: -.5\ng: 1.\nh: 1e999\n"
                    "i: 1.2.3\nj: 2024-01-02\nk: 500m\nl: 1Gi\n")
    c.add("limits", "a: 9223372036854775807\nb: -9223372036854775808\n"
                    "c: 18446744073709551615\nd: 99999999999999999999999\n")
    c.add("nonfinite", "v: .inf\nw: -.Inf\nx: .NaN\n")
    c.add("tags", "a: !!str 0644\nb: ! 123\nc: !!int 0x10\nd: !!float 1\ne: !!bool yes\n"
                  "f: !!null ''\ng: !!int abc\n")
    c.add("bad-tags", "v: !!binary aGk=\nw: !custom x\nx: !!map x\n")
    c.add("nul", 'v: "a\\0b"\n')
    c.add("quoted", "a: '123'\nb: \"true\"\nc: ''\nd: \"\\u00e9\\t\\x41\"\ne: 'it''s'\n")
    c.add("keys", "yes: a\noff: b\n1: c\n0644: d\n1.5: e\n'on': f\n")
    c.add("dup-keys", "true: 1\nyes: 2\n")
    c.add("dup-keys-plain", "a: 1\nb: 2\na: 3\n")
    c.add("null-key", "~: 1\n")
    c.add("complex-key", "? [a, b]\n: c\n")
    c.add("anchor", "a: &x {b: 1}\nc: *x\n")
    c.add("merge", "a: {b: 1}\nc:\n  <<: {d: 2}\n")
    c.add("block-scalars", "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: |+\n  keep\n\n")
    c.add("deep", "a:\n" + "".join("  " * i + "- \n" for i in range(1, 70)))
    c.add("flow-deep", "[" * 70 + "]" * 70)
    c.add("bad-indent", "a:\n  b: 1\n c: 2\n")
    c.add("tab", "a:\n\tb: 1\n")
    c.add("directive", "%YAML 1.1\n%TAG ! tag:example.com,2000:\n---\na: 1\n")
    c.add("bom", "\ufeffa: 1\n")
    c.add("utf16", "a: 1\n".encode("utf-16"))
    c.add("crlf", "a: 1\r\nb:\r\n  - x\r\n")


def gen_conf():
    c = Corpus("conf")
    c.add("slurm-example", SLURM_CONF)
    c.add("gateway-example", GW_CONF)
    c.add("slurm-all-keys", """SidecarAddress: 127.0.0.1
SidecarPort: ""
Socket: unix:///tmp/sidecar.sock
DataRootFolder: /var/lib/interlink/pods
SingularityPath: /usr/bin/apptainer
SingularityDefaultOptions: --nv
ImagePrefix: docker://
BashPath: /bin/bash
Partition: debug
StatusPollIntervalMs: 500
DefaultCPUs: 2
DefaultMemoryMB: 1024
MaxBodyBytes: 1048576
IdleTimeoutSeconds: 60
CancelOrphanJobs: yes
VerboseLogging: true
ErrorsOnlyLogging: off
SbatchPath: /usr/bin/sbatch
ScancelPath: /usr/bin/scancel
SqueuePath: /usr/bin/squeue
ExportPodData: true
Namespace: default
ContainerRuntime: singularity
""")
    c.add("slurm-tenants", """DataRootFolder: /tmp/pods
Tenants:
  team-a: {User: root, Group: root, Account: proj-a, AllowedUIDs: [0, 1001], AllowRoot: true}
  team-b:
    User: nobody
    Group: nogroup
  team-c: {User: no-such-user-x}
""")
    c.add("known-slurm-empty-options", "SingularityDefaultOptions: []\nDataRootFolder: /d\n")
    c.add("slurm-null-options", "SingularityDefaultOptions:\nDataRootFolder: /d\n")
    c.add("slurm-tls-missing", "TLS:\n  Enabled: true\n  CertFile: /nonexistent\n")
    c.add("slurm-bad-int", "StatusPollIntervalMs: 50\nDefaultCPUs: lots\n")
    c.add("slurm-relative-root", "DataRootFolder: relative/pods\n")
    c.add("slurm-bad-socket", "Socket: /run/x.sock\n")
    c.add("gateway-all-keys", """InterlinkAddress: https://0.0.0.0
InterlinkPort: "3000"
SidecarURL: unix:///run/interlink/sidecar.sock
SidecarPort: "4000"
TLS:
  Enabled: true
  CertFile: /etc/hostname
  KeyFile: /etc/hostname
  CACertFile: /etc/hostname
  AllowedClients: [vk-1, "spiffe://x/y", 10.0.0.1]
SidecarTLS: {CertFile: a, KeyFile: b, CACertFile: c, ServerName: sidecar}
MaxBodyBytes: 2048
IdleTimeoutSeconds: 5
SidecarTimeoutSeconds: 30
MaxConnections: 64
BearerTokensFile: /etc/interlink/tokens
AllowEmptyTokenOnPing: false
StatusRefreshIntervalMs: 1000
MetricsAddress: 127.0.0.1:9090
JobScriptTemplate: /x
JobScriptBuildConfig: {a: b}
Pprof: false
DataRootFolder: /tmp
""")
    c.add("gateway-http", "InterlinkAddress: http://127.0.0.1\nSidecarURL: http://127.0.0.1\n")
    c.add("gateway-bad-metrics", "MetricsAddress: '[::1]:x'\n")
    c.add("gateway-metrics-v6", "MetricsAddress: '[::1]:9090'\n")
    c.add("gateway-allowed-no-tls", "TLS: {AllowedClients: [a]}\n")
    c.add("gateway-https-no-tls", "InterlinkAddress: https://x\n")
    c.add("section-not-map", "TLS: yes\nSidecarTLS: [a]\n")
    c.add("list-not-string", "SingularityDefaultOptions: [[a], {b: c}]\n")
    c.add("unknown-keys", "Foo: bar\nBar: {x: 1}\n\x01weird: 1\n")
    c.add("not-a-map", "- a\n- b\n")
    c.add("scalar", "just text\n")
    c.add("two-docs", "a: 1\n---\nb: 2\n")
    c.add("empty", "")
    c.add("bad-yaml", "a: [1, 2\n")
    c.add("anchors", "TLS: &t {Enabled: false}\nSidecarTLS: *t\n")


def gen_jobscript():
    c = Corpus("jobscript")
    for name, p in pod_variants()[:6]:
        c.add(name, p)
    hostile = copy.deepcopy(POD_HELLO)
    hostile["metadata"]["name"] = "x'; rm -rf / #\n$(id)"
    hostile["metadata"]["namespace"] = "ns'\"`"
    hostile["metadata"]["uid"] = "u'\\''"
    ct = hostile["spec"]["containers"][0]
    ct["image"] = "docker://a'b"
    ct["command"] = ["'", "''", "'\\''", "\n", "a b", "$HOME", "*", "-"]
    ct["args"] = ["&&", ";", "|", "' &\nilk_pids", ""]
    ct["workingDir"] = "/it's here"
    ct["env"] = [{"name": "Q", "value": "'\n'"}, {"name": "E", "value": ""}]
    ct["volumeMounts"] = [{"name": "v'", "mountPath": "/m n'", "readOnly": True}]
    c.add("pod-hostile", hostile)
    ann = copy.deepcopy(POD_HELLO)
    ann["metadata"]["annotations"]["slurm-job.vk.io/image-root"] = "/sh'ared/"
    c.add("pod-image-root", ann)
    many = copy.deepcopy(POD_CONTRACT)
    many["spec"]["initContainers"] = [{"name": "i%d" % i, "image": "i"} for i in range(3)]
    many["spec"]["containers"] = [{"name": "c%d" % i, "image": "c", "args": [str(i)]}
                                  for i in range(5)]
    c.add("pod-many", many)
    c.add("invalid-dup-names", {"spec": {"containers": [{"name": "a", "image": "i"},
                                                        {"name": "a", "image": "i"}]}})
    c.add("invalid-env", {"spec": {"containers": [{"name": "a", "image": "i",
                                                   "env": [{"name": "1X"}]}]}})
    c.add("invalid-wd", {"spec": {"containers": [{"name": "a", "image": "i", "workingDir": "rel"}]}})
    c.add("invalid-no-image", {"spec": {"containers": [{"name": "a"}]}})
    c.add("invalid-image-ctl", {"spec": {"containers": [{"name": "a", "image": "a\tb"}]}})
    c.add("invalid-name", {"spec": {"containers": [{"name": "A_b", "image": "i"}]}})


def gen_sbatch_flags():
    c = Corpus("sbatch_flags")
    for s in ["--time=01:00:00", "--time=00:05:00", "-t 90 -p debug", "-t90 -pdebug",
              "--time 2-12 --partition=gpu --gres=gpu:2 --exclusive",
              "--time=2-12:00:00 -N 2 -n 8 -c 4 --mem=4G",
              "--mem-per-cpu=512M --account=proj-a -q high -C 'haswell&ib'",
              "--job-name=\"my job\" --reservation=maint -G 1",
              "--constraint \"a|b\" --qos=normal -A 'x y'",
              "--mem=1T", "--mem=100K", "--mem=1.5GB", "--mem=0", "--mem=1e3",
              "--time=1:30", "--time=1:2:3:4", "--time=0", "--time=366-0",
              "--mem=4G --mem-per-cpu=1G", "--exclusive=user", "--nodes",
              "--bogus=1", "-x", "-", "--", "'unterminated", "\"unterminated",
              "back\\ slash\\", "  \t\n ", "", "--job-name=$'\\x01'",
              "--partition=" + "p" * 300, " ".join(["-N1"] * 130)]:
        c.add("flags", s)


def gen_manifest():
    c = Corpus("manifest")
    c.add("hello", example("pods/hello.yaml"))
    c.add("two", example("pods/two-containers.yaml"))
    c.add("with-config", MANIFEST_CM)
    c.add("missing-cm", "kind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, configMap: {name: nope}}]\n"
                        "  containers: [{name: c, image: i, volumeMounts: [{name: v, mountPath: /v}]}]\n")
    c.add("two-pods", "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n")
    c.add("no-pod", "kind: ConfigMap\nmetadata: {name: a}\n")
    c.add("uid-given", "kind: Pod\nmetadata: {name: a, uid: %s, namespace: ns}\n"
                       "spec: {containers: [{name: c, image: i}]}\n" % UID)
    c.add("bad-secret", "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i,"
                        " env: [{name: S, valueFrom: {secretKeyRef: {name: s, key: k}}}]}]}\n---\n"
                        "kind: Secret\nmetadata: {name: s}\ndata: {k: '!!!'}\n")
    c.add("typed-values", "kind: Pod\nmetadata: {name: 5, annotations: {a: yes}}\n"
                          "spec: {containers: [{name: c, image: 1.5, args: [on, 0644]}]}\n")


def gen_dicts():
    """tests/fuzz/dict/{json,yaml}.dict: tokens and the keys the code knows."""
    def esc(s): return s.replace('\\','\\\\').replace('"','\\"')
    src=open(os.path.join(ROOT, 'proto/wire.c')).read()
    keys=set(re.findall(r'FIELD\("([^"]+)"',src)) | set(re.findall(r'\.key = "([^"]+)"',src)) | set(re.findall(r'\{ "([a-zA-Z]+)", WIRE_',src)) | set(re.findall(r'CM_DATA\("([^"]+)"',src)) | set(re.findall(r'CM_LIST\("([^"]+)"',src))
    keys |= {"metadata","spec","status","pod","container","jobConfig","valueFrom","fieldRef","sources","emptyDirs","kind","apiVersion"}
    out=["# tests/fuzz/dict/json.dict - JSON tokens and the interLink wire keys",
         "# (proto/wire.c's field tables), for the wire_* and jobscript targets.",""]
    toks=['{','}','[',']',':',',','"','""','{}','[]','null','true','false','-0','1e308','0.5','-1','2147483648','9007199254740993',
          '\\u0000','\\u00e9','\\ud83d\\ude00','\\"','\\\\','\\n',
          '0001-01-01T00:00:00Z','2026-07-14T10:00:00Z','.123456789','+02:00','-23:59','9999-12-31T23:59:59Z','0000-01-01T00:00:00Z',
          '==','aGk=','500m','1Gi','docker://','/sif/','slurm-job.vk.io/image-root','slurm-job.vk.io/flags',
          '3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22',"'","'\\''",'$(','`']
    for i,t in enumerate(toks):
        out.append('t%d="%s"'%(i,esc(t)))
    for k in sorted(keys):
        out.append('k_%s="%s"'%(re.sub(r'[^A-Za-z0-9]','_',k),esc('"%s":'%k)))
    open(os.path.join(HERE, 'dict/json.dict'), 'w').write("\n".join(out)+"\n")

    ytoks=['---','...','- ',': ','? ','{','}','[',']',', ','#','|','|-','>','>+','&a ','*a','<<','!!str ','!!int ','!!float ','!!bool ','!!null ','!!map ','!!seq ','!!binary ','! ','!x ',
           '%YAML 1.1','%TAG ! tag:x,2000:','~','null','Null','true','yes','On','off','n','Y','.inf','-.Inf','.NaN','0x1F','0o644','0644','0b101','1_000','1e3','.5','9223372036854775808',
           "''",'""','"\\u00e9"','"\\0"','"\\x01"','\t','\r\n','  ','    ','\ufeff',
           'unix://','https://','http://','127.0.0.1:9090','[::1]:9090','/etc/hostname','/dev/null']
    conf_keys=set()
    for f in ['sidecar-slurm/sconf.c','interlink-api/gconf.c','sidecar-slurm/tenancy.c']:
        try: conf_keys |= set(re.findall(r'\{"([A-Z][A-Za-z]+)", CONF_',open(os.path.join(ROOT, f)).read()))
        except FileNotFoundError: pass
    conf_keys |= {"Tenants","User","Group","Account","AllowedUIDs","AllowRoot"}
    k8s=["apiVersion","kind","Pod","ConfigMap","Secret","metadata","name","namespace","uid","annotations","labels","spec","containers","initContainers",
         "image","command","args","env","value","valueFrom","fieldRef","fieldPath","configMapKeyRef","secretKeyRef","envFrom","configMapRef","secretRef",
         "volumeMounts","mountPath","subPath","readOnly","volumes","configMap","secret","secretName","items","key","path","mode","defaultMode","optional",
         "projected","sources","serviceAccountToken","downwardAPI","emptyDir","hostPath","resources","limits","requests","data","binaryData","stringData",
         "restartPolicy","securityContext","runAsUser","workingDir"]
    out=["# tests/fuzz/dict/yaml.dict - YAML syntax, the configuration keys",
         "# (sconf.c, gconf.c, tenancy.c) and Kubernetes manifest keys, for the",
         "# yamljson, conf and manifest targets.",""]
    def yesc(t):
        b=t.encode()
        r=''
        for c in b:
            ch=chr(c)
            if ch=='\\': r+='\\\\'
            elif ch=='"': r+='\\"'
            elif c<0x20 or c>0x7e: r+='\\x%02X'%c
            else: r+=ch
        return r
    for i,t in enumerate(ytoks):
        out.append('t%d="%s"'%(i,yesc(t)))
    for k in sorted(conf_keys|set(k8s)):
        out.append('k_%s="%s:"'%(k,k))
    open(os.path.join(HERE, 'dict/yaml.dict'), 'w').write("\n".join(out)+"\n")


def main():
    gen_dicts()
    gen_wire_pod()
    gen_wire_create()
    gen_wire_status()
    gen_wire_misc()
    gen_wire_logs()
    gen_yamljson()
    gen_conf()
    gen_jobscript()
    gen_sbatch_flags()
    if os.path.exists(os.path.join(HERE, "fuzz_manifest.c")):
        gen_manifest()


if __name__ == "__main__":
    main()
