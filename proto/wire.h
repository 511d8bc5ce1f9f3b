/*
 * proto/wire.h - typed C view of the interLink wire objects, with cJSON
 * decoders and encoders.  Internal to this project (not installed).
 *
 * Decoding is as lenient as upstream's Go decoder: object keys match case-
 * insensitively (cJSON_GetObjectItem does that), unknown keys are ignored,
 * a JSON null stands for an absent value or an empty list.  A value of the
 * wrong type is an error naming its path ("spec.containers[1].name: expected
 * a string").  Encoding emits upstream's exact key casing.
 *
 * Ownership: every struct filled by a *_decode function owns all of its
 * strings and arrays; release it with the matching *_done function, which is
 * NULL-safe and safe on a zeroed or half-filled struct.  Encoders return a
 * new cJSON tree the caller frees with cJSON_Delete, or NULL on OOM.
 *
 * Decoders return 0 on success or -1 with a message in err (always NUL
 * terminated) and leave *ret zeroed/released on failure.
 */
#ifndef PROTO_WIRE_H
#define PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Limits applied by every decoder (hostile input is normal input). */
#define WIRE_MAX_BODY (16u << 20)    /* bytes of one request body */
#define WIRE_MAX_DEPTH 64            /* JSON nesting */
#define WIRE_MAX_LIST 4096           /* elements of any one list */
#define WIRE_MAX_STRING (4u << 20)   /* bytes of any one string */

/* A key and a value.  len is the value's length: secret data is binary. */
struct wire_kv {
	char *key;
	char *value; /* NUL terminated, may contain NULs before len */
	size_t len;
};

struct wire_env {
	char *name;
	char *value; /* "" when the value is absent or valueFrom-only */
};

struct wire_volume_mount {
	char *name;
	char *mount_path;
	char *sub_path; /* NULL when absent */
	bool read_only;
};

/* Raw Kubernetes quantity strings ("500m", "1Gi"), NULL when absent. */
struct wire_resources {
	char *cpu;
	char *memory;
	char *nvidia_gpu; /* "nvidia.com/gpu" */
	char *amd_gpu;    /* "amd.com/gpu" */
};

/* One httpGet.httpHeaders entry */
struct wire_http_header {
	char *name;
	char *value;
};

/* ports[] of a container: named probe ports resolve through these */
struct wire_container_port {
	char *name;         /* NULL when absent */
	int container_port; /* 0 when absent */
	char *protocol;     /* NULL when absent */
};

/*
 * What a probe or a lifecycle hook does (v1.ProbeHandler and
 * v1.LifecycleHandler): exec, httpGet, tcpSocket or, for hooks, sleep.
 * grpc is decoded only so that it can be refused.  A port is an
 * IntOrString, kept as its text ("8080" or "http").
 */
struct wire_handler {
	bool has_exec;
	char **exec_command;
	size_t n_exec_command;
	bool has_http_get;
	char *http_path;   /* NULL when absent */
	char *http_port;   /* NULL when absent */
	char *http_host;   /* NULL when absent or "" */
	char *http_scheme; /* NULL when absent or "" */
	struct wire_http_header *http_headers;
	size_t n_http_headers;
	bool has_tcp_socket;
	char *tcp_port;    /* NULL when absent */
	char *tcp_host;    /* NULL when absent or "" */
	bool has_grpc;
	bool has_sleep;
	int sleep_seconds; /* -1 when absent */
};

/* v1.Probe; every number is -1 when absent */
struct wire_probe {
	struct wire_handler action;
	int initial_delay_seconds;
	int period_seconds;
	int timeout_seconds;
	int success_threshold;
	int failure_threshold;
};

struct wire_container {
	char *name;
	char *image;
	char **command; /* n_command strings */
	size_t n_command;
	char **args;
	size_t n_args;
	struct wire_env *env;
	size_t n_env;
	struct wire_volume_mount *mounts; /* volumeMounts */
	size_t n_mounts;
	char *working_dir; /* NULL when absent */
	struct wire_resources limits;
	struct wire_resources requests;
	struct wire_container_port *ports;
	size_t n_ports;
	bool has_startup_probe;
	struct wire_probe startup_probe;
	bool has_readiness_probe;
	struct wire_probe readiness_probe;
	bool has_liveness_probe;
	struct wire_probe liveness_probe;
	bool has_post_start; /* lifecycle.postStart */
	struct wire_handler post_start;
	bool has_pre_stop;   /* lifecycle.preStop */
	struct wire_handler pre_stop;
};

enum wire_volume_kind {
	WIRE_VOL_OTHER = 0, /* a type we do not know; see other_type */
	WIRE_VOL_CONFIGMAP,
	WIRE_VOL_SECRET,
	WIRE_VOL_PROJECTED,
	WIRE_VOL_DOWNWARD_API,
	WIRE_VOL_EMPTYDIR,
	WIRE_VOL_HOSTPATH,
	WIRE_VOL_PVC /* persistentVolumeClaim: source = claimName */
};

struct wire_key_path {
	char *key;
	char *path;
	int mode; /* -1 when absent */
};

struct wire_volume {
	char *name;
	enum wire_volume_kind kind;
	/* configMap.name, secret.secretName, hostPath.path,
	 * persistentVolumeClaim.claimName; else NULL */
	char *source;
	bool read_only; /* persistentVolumeClaim.readOnly */
	char *host_path_type; /* hostPath.type, NULL when absent */
	struct wire_key_path *items;
	size_t n_items;
	int default_mode; /* -1 when absent */
	bool optional;
	char *other_type; /* WIRE_VOL_OTHER: the first key of the volume
	                   * object besides "name", e.g. "persistentVolumeClaim" */
};

struct wire_pod {
	char *name;
	char *namespace;
	char *uid;
	struct wire_kv *annotations;
	size_t n_annotations;
	struct wire_kv *labels;
	size_t n_labels;
	struct wire_container *init_containers;
	size_t n_init_containers;
	struct wire_container *containers;
	size_t n_containers;
	struct wire_volume *volumes;
	size_t n_volumes;
	char *node_name;
	char *restart_policy;
	bool has_run_as_user;
	int64_t run_as_user;
	bool has_termination_grace; /* terminationGracePeriodSeconds */
	int64_t termination_grace_seconds;
	char *phase;  /* status.phase, NULL when absent */
	char *pod_ip; /* status.podIP */
};

/* v1.ConfigMap, v1.Secret, and the projected-volume maps */
struct wire_config_map {
	char *name;
	char *namespace;
	struct wire_kv *data; /* secrets: base64-decoded bytes */
	size_t n_data;
};

/* v1.PersistentVolumeClaim, the parts the sidecar uses */
struct wire_pvc {
	char *name;        /* metadata.name */
	char *namespace;   /* metadata.namespace */
	char *volume_name; /* spec.volumeName: the bound PV, or NULL */
};

/* v1.PersistentVolume, the parts the sidecar uses */
struct wire_pv {
	char *name;       /* metadata.name */
	char *host_path;  /* spec.hostPath.path, or NULL */
	char *nfs_server; /* spec.nfs.server, or NULL */
	char *nfs_path;   /* spec.nfs.path, or NULL */
};

/* RetrievedContainer */
struct wire_retrieved_container {
	char *name;
	struct wire_config_map *config_maps;
	size_t n_config_maps;
	struct wire_config_map *projected; /* "projectedvolumemaps" */
	size_t n_projected;
	struct wire_config_map *secrets;
	size_t n_secrets;
	/* upstream's PVC branch: "persistentVolumeClaims"; PVs as
	 * "persistentVolumes" (lenient: either may be absent) */
	struct wire_pvc *pvcs;
	size_t n_pvcs;
	struct wire_pv *pvs;
	size_t n_pvs;
};

/* RetrievedPodData: the API -> plugin /create body */
struct wire_retrieved_pod_data {
	struct wire_pod pod;
	struct wire_retrieved_container *containers; /* "container" */
	size_t n_containers;
	/* PVCs and PVs sent for the whole pod (upstream's PVC branch, a
	 * draft: a value of another shape is ignored): "persistentvolumes"
	 * (the VK's name for its PVC list), "persistentVolumeClaims", and PVs
	 * (or bare hostPath/nfs sources) as "persistentVolumeSources" */
	struct wire_pvc *pvcs;
	size_t n_pvcs;
	struct wire_pvc *pvcs2;
	size_t n_pvcs2;
	struct wire_pv *pvs;
	size_t n_pvs;
	char *job_script; /* "jobScript", NULL when absent or empty */
};

/* PodCreateRequests: the VK -> API /create body */
struct wire_pod_create_requests {
	struct wire_pod pod;
	struct wire_config_map *config_maps; /* "configmaps" */
	size_t n_config_maps;
	struct wire_config_map *secrets; /* "secrets" */
	size_t n_secrets;
	struct wire_config_map *projected; /* "projectedvolumesmaps" */
	size_t n_projected;
	struct wire_pvc *pvcs; /* "persistentvolumes": PVCs (upstream) */
	size_t n_pvcs;
	char *jobscript_url; /* "jobscriptURL" */
};

enum wire_state_kind {
	WIRE_STATE_NONE = 0, /* encoded as {} */
	WIRE_STATE_WAITING,
	WIRE_STATE_RUNNING,
	WIRE_STATE_TERMINATED
};

/* v1.ContainerState (one of waiting/running/terminated) */
struct wire_container_state {
	enum wire_state_kind kind;
	char *reason;  /* waiting, terminated; NULL = omitted */
	char *message; /* waiting, terminated; NULL = omitted */
	int exit_code; /* terminated */
	int signal;    /* terminated; 0 = omitted */
	int64_t started_at;  /* running, terminated: Unix s; 0 = omitted */
	int64_t finished_at; /* terminated; 0 = omitted */
};

/* v1.ContainerStatus */
struct wire_container_status {
	char *name;
	struct wire_container_state state;
	struct wire_container_state last_state; /* "lastState" */
	bool ready;
	int restart_count;
	char *image;    /* "" when NULL */
	char *image_id; /* "imageID", "" when NULL */
	bool has_started;
	bool started;
};

/* PodStatus as the plugin returns it for /status */
struct wire_pod_status {
	char *name;
	char *uid; /* "UID" */
	char *namespace;
	char *jid; /* "JID" */
	struct wire_container_status *containers;
	size_t n_containers;
	struct wire_container_status *init_containers;
	size_t n_init_containers; /* encoded as null when 0 */
};

/* CreateStruct */
struct wire_create_struct {
	char *pod_uid; /* "PodUID" */
	char *pod_jid; /* "PodJID" */
};

/* ContainerLogOpts; SinceTime "0001-01-01T00:00:00Z" means unset */
struct wire_log_opts {
	int64_t tail;
	int64_t bytes; /* wire key "Bytes" */
	bool timestamps;
	bool follow;
	bool previous;
	int64_t since_seconds;
	bool has_since_time;
	int64_t since_time;      /* Unix seconds */
	int32_t since_time_nsec; /* nanoseconds part */
};

/* LogStruct */
struct wire_log_struct {
	char *namespace;
	char *pod_uid;
	char *pod_name;
	char *container_name;
	struct wire_log_opts opts;
};

struct wire_accelerator {
	char *resource_type;
	char *available;
};

struct wire_taint {
	char *key;
	char *value;
	char *effect;
};

/* PingResponse; every quantity is a string, NULL = omitted */
struct wire_ping_response {
	char *status;
	char *cpu;
	char *memory;
	char *pods;
	struct wire_accelerator *accelerators;
	size_t n_accelerators;
	bool has_taints; /* emit "taints" (even []) only when true */
	struct wire_taint *taints;
	size_t n_taints;
};

/*
 * Parse len bytes of JSON into *ret (caller frees with cJSON_Delete).
 * Rejects more than WIRE_MAX_BODY bytes, nesting deeper than
 * WIRE_MAX_DEPTH, trailing garbage; err says what and where (byte offset).
 */
int wire_parse(const char *buf, size_t len, cJSON **ret, char *err,
	       size_t errlen);

/* Decoders (see the ownership note at the top). */
int wire_pod_decode(const cJSON *j, struct wire_pod *ret, char *err,
		    size_t errlen);
void wire_pod_done(struct wire_pod *p);

int wire_config_map_decode(const cJSON *j, bool is_secret,
			   struct wire_config_map *ret, char *err,
			   size_t errlen);
void wire_config_map_done(struct wire_config_map *c);

int wire_retrieved_pod_data_decode(const cJSON *j,
				   struct wire_retrieved_pod_data *ret,
				   char *err, size_t errlen);
void wire_retrieved_pod_data_done(struct wire_retrieved_pod_data *r);

int wire_pod_create_requests_decode(const cJSON *j,
				    struct wire_pod_create_requests *ret,
				    char *err, size_t errlen);
void wire_pod_create_requests_done(struct wire_pod_create_requests *r);

int wire_pod_status_decode(const cJSON *j, struct wire_pod_status *ret,
			   char *err, size_t errlen);
cJSON *wire_pod_status_encode(const struct wire_pod_status *s);
void wire_pod_status_done(struct wire_pod_status *s);

int wire_create_struct_decode(const cJSON *j, struct wire_create_struct *ret,
			      char *err, size_t errlen);
cJSON *wire_create_struct_encode(const struct wire_create_struct *c);
void wire_create_struct_done(struct wire_create_struct *c);

int wire_log_struct_decode(const cJSON *j, struct wire_log_struct *ret,
			   char *err, size_t errlen);
cJSON *wire_log_struct_encode(const struct wire_log_struct *l);
void wire_log_struct_done(struct wire_log_struct *l);

int wire_ping_response_decode(const cJSON *j, struct wire_ping_response *ret,
			      char *err, size_t errlen);
cJSON *wire_ping_response_encode(const struct wire_ping_response *p);
void wire_ping_response_done(struct wire_ping_response *p);

/* Containers of a pod in run order: init containers first, then regular. */
size_t wire_pod_n_all_containers(const struct wire_pod *p);
const struct wire_container *wire_pod_container_at(const struct wire_pod *p,
						    size_t i, bool *ret_init);

/*
 * The value of key in obj as Go's decoder sees it: keys match case-
 * insensitively, a null counts as absent, and of a key given twice the last
 * value wins.  Borrowed from obj; NULL when absent.
 */
const cJSON *wire_get(const cJSON *obj, const char *key);

/* Find a volume of the pod by name; NULL when absent. */
const struct wire_volume *wire_pod_volume(const struct wire_pod *p,
					  const char *name);
/* Annotation value or NULL */
const char *wire_pod_annotation(const struct wire_pod *p, const char *key);

/*
 * RFC 3339 times, UTC, seconds precision: "2026-07-14T10:00:00Z".
 * wire_time_format writes into buf (>= 21 bytes + NUL; use 32).
 * wire_time_parse accepts fractional seconds and numeric offsets; returns
 * 0 or -1.
 */
#define WIRE_TIME_MIN INT64_C(-62135596800) /* 0001-01-01T00:00:00Z */
#define WIRE_TIME_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
void wire_time_format(int64_t t, char *buf, size_t len);
int wire_time_parse(const char *s, int64_t *ret_sec, int32_t *ret_nsec);

/*
 * Base64 (standard alphabet, padding required, whitespace refused).
 * wire_base64_decode returns 0, -1 for invalid input or -2 when out of
 * memory; only on success it sets *ret (NUL terminated after *ret_len
 * bytes, free() it) and *ret_len (may be NULL).  wire_base64_encode
 * returns a new string (free() it) or NULL on OOM.
 */
int wire_base64_decode(const char *in, size_t inlen, char **ret,
		       size_t *ret_len);
char *wire_base64_encode(const char *in, size_t inlen);

#endif /* PROTO_WIRE_H */
