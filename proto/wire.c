/*
 * proto/wire.c - decoders and encoders for the interLink wire objects.
 *
 * Every wire type is described by a field table: for each JSON key, where the
 * value lives in the C struct and how it is converted.  Three walkers do all
 * the work: decode_table() (JSON -> struct, with defaults and limits),
 * encode_table() (struct -> JSON, with the omission rules) and free_table().
 * A new field is one table line.
 */
#include "wire.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field_kind {
	F_END = 0, /* terminates a table */
	F_STR,     /* char * */
	F_QTY,     /* char *: a quantity, JSON string or number */
	F_STRS,    /* char **, count (size_t) at aux */
	F_KV,      /* struct wire_kv *, count at aux: string values */
	F_KV_B64,  /* as F_KV, values base64 on the wire; appends */
	F_BOOL,    /* bool */
	F_INT,     /* int */
	F_I64,     /* int64_t, |v| < 10^15 (printed back exactly) */
	F_TIME,    /* int64_t Unix seconds; FL_NSEC: int32_t nsec at aux */
	F_OBJ,     /* nested object: field table sub, at base + off */
	F_LIST,    /* array of objects: struct list_type sub, count at aux */
	F_ONEOF    /* keys of this object: variant table sub, enum at off */
};

enum {
	FL_NULLABLE = 1 << 0,   /* string NULL when absent; NULL omitted */
	FL_NONEMPTY = 1 << 1,   /* "" decodes as absent */
	FL_NEG1 = 1 << 2,       /* int is -1 when absent */
	FL_OMIT0 = 1 << 3,      /* int 0 is not encoded */
	FL_HAS = 1 << 4,        /* bool at aux2: present and not null */
	FL_NULL_EMPTY = 1 << 5, /* empty list encoded as null */
	FL_OMIT_EMPTY = 1 << 6, /* empty list or object not encoded */
	FL_NSEC = 1 << 7,       /* F_TIME keeps nanoseconds at aux */
	FL_ZERO_TIME = 1 << 8,  /* unset F_TIME encoded as Go's zero time */
	FL_OTHER = 1 << 9,      /* F_ONEOF: first other key -> char * at aux */
	FL_SHAPELESS = 1 << 10  /* a value that does not decode is absent
	                         * (fields of drafts whose shape may change) */
};

struct field {
	const char *key; /* NULL: not on the wire, only defaulted/freed */
	enum field_kind kind;
	unsigned int flags;
	size_t off;
	size_t aux;
	size_t aux2;
	const void *sub;
};

struct list_type {
	size_t size;
	const struct field *fields;
};

struct variant {
	const char *key; /* NULL terminates */
	int kind;
	const struct field *fields; /* relative to the same base */
};

/* Go's time.Time{} (0001-01-01T00:00:00Z) in Unix seconds */
#define ZERO_TIME_SEC (-62135596800LL)
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* largest magnitude a double holds exactly */
/* cJSON prints numbers with 15 significant digits: stay below 10^15 */
#define MAX_EXACT_INT 999999999999999.0

_Static_assert(sizeof(enum wire_volume_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum wire_state_kind) == sizeof(int), "enum size");

#define FIELD(k, kd, t, m) .key = (k), .kind = (kd), .off = offsetof(t, m)
#define COUNT(t, m) .aux = offsetof(t, m)
#define HAS(t, m) .aux2 = offsetof(t, m)

/* ------------------------------------------------------------------ */
/* Field tables */

static const struct field env_fields[] = {
	{ FIELD("name", F_STR, struct wire_env, name) },
	{ FIELD("value", F_STR, struct wire_env, value) },
	{ 0 }
};

static const struct field mount_fields[] = {
	{ FIELD("name", F_STR, struct wire_volume_mount, name) },
	{ FIELD("mountPath", F_STR, struct wire_volume_mount, mount_path) },
	{ FIELD("subPath", F_STR, struct wire_volume_mount, sub_path),
	  .flags = FL_NULLABLE },
	{ FIELD("readOnly", F_BOOL, struct wire_volume_mount, read_only) },
	{ 0 }
};

static const struct field resources_fields[] = {
	{ FIELD("cpu", F_QTY, struct wire_resources, cpu),
	  .flags = FL_NULLABLE },
	{ FIELD("memory", F_QTY, struct wire_resources, memory),
	  .flags = FL_NULLABLE },
	{ FIELD("nvidia.com/gpu", F_QTY, struct wire_resources, nvidia_gpu),
	  .flags = FL_NULLABLE },
	{ FIELD("amd.com/gpu", F_QTY, struct wire_resources, amd_gpu),
	  .flags = FL_NULLABLE },
	{ 0 }
};

static const struct field container_resources_fields[] = {
	{ FIELD("limits", F_OBJ, struct wire_container, limits),
	  .sub = resources_fields },
	{ FIELD("requests", F_OBJ, struct wire_container, requests),
	  .sub = resources_fields },
	{ 0 }
};

static const struct list_type env_type = {
	sizeof(struct wire_env), env_fields
};
static const struct list_type mount_type = {
	sizeof(struct wire_volume_mount), mount_fields
};

static const struct field port_fields[] = {
	{ FIELD("name", F_STR, struct wire_container_port, name),
	  .flags = FL_NULLABLE },
	{ FIELD("containerPort", F_INT, struct wire_container_port,
		container_port) },
	{ FIELD("protocol", F_STR, struct wire_container_port, protocol),
	  .flags = FL_NULLABLE },
	{ 0 }
};

static const struct list_type port_type = {
	sizeof(struct wire_container_port), port_fields
};

/* Probe and hook actions; offsets relative to struct wire_handler */
static const struct field exec_action_fields[] = {
	{ FIELD("command", F_STRS, struct wire_handler, exec_command),
	  COUNT(struct wire_handler, n_exec_command) },
	{ 0 }
};

static const struct field http_header_fields[] = {
	{ FIELD("name", F_STR, struct wire_http_header, name) },
	{ FIELD("value", F_STR, struct wire_http_header, value) },
	{ 0 }
};

static const struct list_type http_header_type = {
	sizeof(struct wire_http_header), http_header_fields
};

static const struct field http_get_fields[] = {
	{ FIELD("path", F_STR, struct wire_handler, http_path),
	  .flags = FL_NULLABLE },
	{ FIELD("port", F_QTY, struct wire_handler, http_port),
	  .flags = FL_NULLABLE },
	{ FIELD("host", F_STR, struct wire_handler, http_host),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ FIELD("scheme", F_STR, struct wire_handler, http_scheme),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ FIELD("httpHeaders", F_LIST, struct wire_handler, http_headers),
	  COUNT(struct wire_handler, n_http_headers),
	  .sub = &http_header_type },
	{ 0 }
};

static const struct field tcp_socket_fields[] = {
	{ FIELD("port", F_QTY, struct wire_handler, tcp_port),
	  .flags = FL_NULLABLE },
	{ FIELD("host", F_STR, struct wire_handler, tcp_host),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ 0 }
};

static const struct field sleep_action_fields[] = {
	{ FIELD("seconds", F_INT, struct wire_handler, sleep_seconds),
	  .flags = FL_NEG1 },
	{ 0 }
};

static const struct field empty_fields[] = { { 0 } };

/*
 * The actions of a handler that starts off bytes into the decoded
 * struct: a probe holds its handler as a member, the keys sit beside the
 * probe's own.
 */
#define ACTION(k, o, m, s)                                             \
	{ .key = (k), .kind = F_OBJ, .flags = FL_HAS, .off = (o),      \
	  .aux2 = (o) + offsetof(struct wire_handler, m), .sub = (s) }
#define ACTIONS(o)                                                     \
	ACTION("exec", o, has_exec, exec_action_fields),               \
	ACTION("httpGet", o, has_http_get, http_get_fields),           \
	ACTION("tcpSocket", o, has_tcp_socket, tcp_socket_fields),     \
	ACTION("grpc", o, has_grpc, empty_fields),                     \
	ACTION("sleep", o, has_sleep, sleep_action_fields)

static const struct field handler_fields[] = { ACTIONS(0), { 0 } };

#define PROBE_INT(k, m)                                                \
	{ FIELD(k, F_INT, struct wire_probe, m), .flags = FL_NEG1 }

static const struct field probe_fields[] = {
	ACTIONS(offsetof(struct wire_probe, action)),
	PROBE_INT("initialDelaySeconds", initial_delay_seconds),
	PROBE_INT("periodSeconds", period_seconds),
	PROBE_INT("timeoutSeconds", timeout_seconds),
	PROBE_INT("successThreshold", success_threshold),
	PROBE_INT("failureThreshold", failure_threshold),
	{ 0 }
};

#define PROBE(k, m, h)                                                 \
	{ FIELD(k, F_OBJ, struct wire_container, m), .flags = FL_HAS,  \
	  HAS(struct wire_container, h), .sub = probe_fields }
#define HOOK(k, m, h)                                                  \
	{ FIELD(k, F_OBJ, struct wire_container, m), .flags = FL_HAS,  \
	  HAS(struct wire_container, h), .sub = handler_fields }

static const struct field lifecycle_fields[] = {
	HOOK("postStart", post_start, has_post_start),
	HOOK("preStop", pre_stop, has_pre_stop),
	{ 0 }
};

static const struct field container_fields[] = {
	{ FIELD("name", F_STR, struct wire_container, name) },
	{ FIELD("image", F_STR, struct wire_container, image) },
	{ FIELD("command", F_STRS, struct wire_container, command),
	  COUNT(struct wire_container, n_command) },
	{ FIELD("args", F_STRS, struct wire_container, args),
	  COUNT(struct wire_container, n_args) },
	{ FIELD("env", F_LIST, struct wire_container, env),
	  COUNT(struct wire_container, n_env), .sub = &env_type },
	{ FIELD("volumeMounts", F_LIST, struct wire_container, mounts),
	  COUNT(struct wire_container, n_mounts), .sub = &mount_type },
	{ FIELD("workingDir", F_STR, struct wire_container, working_dir),
	  .flags = FL_NULLABLE },
	{ .key = "resources", .kind = F_OBJ,
	  .sub = container_resources_fields },
	{ FIELD("ports", F_LIST, struct wire_container, ports),
	  COUNT(struct wire_container, n_ports), .sub = &port_type },
	PROBE("startupProbe", startup_probe, has_startup_probe),
	PROBE("readinessProbe", readiness_probe, has_readiness_probe),
	PROBE("livenessProbe", liveness_probe, has_liveness_probe),
	{ .key = "lifecycle", .kind = F_OBJ, .sub = lifecycle_fields },
	{ 0 }
};

static const struct field key_path_fields[] = {
	{ FIELD("key", F_STR, struct wire_key_path, key) },
	{ FIELD("path", F_STR, struct wire_key_path, path) },
	{ FIELD("mode", F_INT, struct wire_key_path, mode), .flags = FL_NEG1 },
	{ 0 }
};

static const struct list_type key_path_type = {
	sizeof(struct wire_key_path), key_path_fields
};

#define VOL_ITEMS                                                      \
	{ FIELD("items", F_LIST, struct wire_volume, items),           \
	  COUNT(struct wire_volume, n_items), .sub = &key_path_type }
#define VOL_MODE                                                       \
	{ FIELD("defaultMode", F_INT, struct wire_volume, default_mode), \
	  .flags = FL_NEG1 }
#define VOL_OPTIONAL                                                   \
	{ FIELD("optional", F_BOOL, struct wire_volume, optional) }

static const struct field configmap_vol_fields[] = {
	{ FIELD("name", F_STR, struct wire_volume, source),
	  .flags = FL_NULLABLE },
	VOL_ITEMS, VOL_MODE, VOL_OPTIONAL, { 0 }
};

static const struct field secret_vol_fields[] = {
	{ FIELD("secretName", F_STR, struct wire_volume, source),
	  .flags = FL_NULLABLE },
	VOL_ITEMS, VOL_MODE, VOL_OPTIONAL, { 0 }
};

static const struct field projected_vol_fields[] = { VOL_MODE, { 0 } };

static const struct field downward_vol_fields[] = {
	VOL_ITEMS, VOL_MODE, { 0 }
};

static const struct field host_path_vol_fields[] = {
	{ FIELD("path", F_STR, struct wire_volume, source),
	  .flags = FL_NULLABLE },
	{ FIELD("type", F_STR, struct wire_volume, host_path_type),
	  .flags = FL_NULLABLE },
	{ 0 }
};

static const struct field pvc_vol_fields[] = {
	{ FIELD("claimName", F_STR, struct wire_volume, source),
	  .flags = FL_NULLABLE },
	{ FIELD("readOnly", F_BOOL, struct wire_volume, read_only) },
	{ 0 }
};

static const struct variant volume_variants[] = {
	{ "configMap", WIRE_VOL_CONFIGMAP, configmap_vol_fields },
	{ "secret", WIRE_VOL_SECRET, secret_vol_fields },
	{ "projected", WIRE_VOL_PROJECTED, projected_vol_fields },
	{ "downwardAPI", WIRE_VOL_DOWNWARD_API, downward_vol_fields },
	{ "emptyDir", WIRE_VOL_EMPTYDIR, empty_fields },
	{ "hostPath", WIRE_VOL_HOSTPATH, host_path_vol_fields },
	{ "persistentVolumeClaim", WIRE_VOL_PVC, pvc_vol_fields },
	{ NULL, 0, NULL }
};

static const struct field volume_fields[] = {
	{ FIELD("name", F_STR, struct wire_volume, name) },
	/* -1 also for the kinds that have no defaultMode */
	{ FIELD(NULL, F_INT, struct wire_volume, default_mode),
	  .flags = FL_NEG1 },
	{ FIELD(NULL, F_ONEOF, struct wire_volume, kind), .flags = FL_OTHER,
	  COUNT(struct wire_volume, other_type), .sub = volume_variants },
	{ 0 }
};

static const struct list_type container_type = {
	sizeof(struct wire_container), container_fields
};
static const struct list_type volume_type = {
	sizeof(struct wire_volume), volume_fields
};

static const struct field pod_meta_fields[] = {
	{ FIELD("name", F_STR, struct wire_pod, name) },
	{ FIELD("namespace", F_STR, struct wire_pod, namespace) },
	{ FIELD("uid", F_STR, struct wire_pod, uid) },
	{ FIELD("annotations", F_KV, struct wire_pod, annotations),
	  COUNT(struct wire_pod, n_annotations) },
	{ FIELD("labels", F_KV, struct wire_pod, labels),
	  COUNT(struct wire_pod, n_labels) },
	{ 0 }
};

static const struct field pod_security_fields[] = {
	{ FIELD("runAsUser", F_I64, struct wire_pod, run_as_user),
	  .flags = FL_HAS, HAS(struct wire_pod, has_run_as_user) },
	{ 0 }
};

static const struct field pod_spec_fields[] = {
	{ FIELD("initContainers", F_LIST, struct wire_pod, init_containers),
	  COUNT(struct wire_pod, n_init_containers), .sub = &container_type },
	{ FIELD("containers", F_LIST, struct wire_pod, containers),
	  COUNT(struct wire_pod, n_containers), .sub = &container_type },
	{ FIELD("volumes", F_LIST, struct wire_pod, volumes),
	  COUNT(struct wire_pod, n_volumes), .sub = &volume_type },
	{ FIELD("nodeName", F_STR, struct wire_pod, node_name) },
	{ FIELD("restartPolicy", F_STR, struct wire_pod, restart_policy) },
	{ FIELD("terminationGracePeriodSeconds", F_I64, struct wire_pod,
		termination_grace_seconds),
	  .flags = FL_HAS, HAS(struct wire_pod, has_termination_grace) },
	{ .key = "securityContext", .kind = F_OBJ,
	  .sub = pod_security_fields },
	{ 0 }
};

static const struct field pod_phase_fields[] = {
	{ FIELD("phase", F_STR, struct wire_pod, phase), .flags = FL_NULLABLE },
	{ FIELD("podIP", F_STR, struct wire_pod, pod_ip) },
	{ 0 }
};

static const struct field pod_fields[] = {
	{ .key = "metadata", .kind = F_OBJ, .sub = pod_meta_fields },
	{ .key = "spec", .kind = F_OBJ, .sub = pod_spec_fields },
	{ .key = "status", .kind = F_OBJ, .sub = pod_phase_fields },
	{ 0 }
};

static const struct field cm_meta_fields[] = {
	{ FIELD("name", F_STR, struct wire_config_map, name) },
	{ FIELD("namespace", F_STR, struct wire_config_map, namespace) },
	{ 0 }
};

#define CM_META { .key = "metadata", .kind = F_OBJ, .sub = cm_meta_fields }
#define CM_DATA(k, kd)                                                 \
	{ FIELD(k, kd, struct wire_config_map, data),                  \
	  COUNT(struct wire_config_map, n_data) }

/* binaryData and stringData append to data: a later key wins */
static const struct field configmap_fields[] = {
	CM_META, CM_DATA("data", F_KV), CM_DATA("binaryData", F_KV_B64),
	{ 0 }
};

static const struct field secret_fields[] = {
	CM_META, CM_DATA("data", F_KV_B64), CM_DATA("stringData", F_KV),
	{ 0 }
};

static const struct list_type configmap_type = {
	sizeof(struct wire_config_map), configmap_fields
};
static const struct list_type secret_type = {
	sizeof(struct wire_config_map), secret_fields
};

#define CM_LIST(k, t, m, n, type)                                      \
	{ FIELD(k, F_LIST, t, m), COUNT(t, n), .sub = (type) }
/* a list of a draft's objects: ignored when it has another shape */
#define DRAFT_LIST(k, t, m, n, type)                                   \
	{ FIELD(k, F_LIST, t, m), COUNT(t, n), .sub = (type),          \
	  .flags = FL_SHAPELESS }

static const struct field pvc_meta_fields[] = {
	{ FIELD("name", F_STR, struct wire_pvc, name), .flags = FL_NULLABLE },
	{ FIELD("namespace", F_STR, struct wire_pvc, namespace),
	  .flags = FL_NULLABLE },
	{ 0 }
};

static const struct field pvc_spec_fields[] = {
	{ FIELD("volumeName", F_STR, struct wire_pvc, volume_name),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ 0 }
};

static const struct field pvc_fields[] = {
	{ .key = "metadata", .kind = F_OBJ, .sub = pvc_meta_fields },
	{ .key = "spec", .kind = F_OBJ, .sub = pvc_spec_fields },
	{ 0 }
};

static const struct field pv_meta_fields[] = {
	{ FIELD("name", F_STR, struct wire_pv, name), .flags = FL_NULLABLE },
	{ 0 }
};

static const struct field pv_host_path_fields[] = {
	{ FIELD("path", F_STR, struct wire_pv, host_path),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ 0 }
};

static const struct field pv_nfs_fields[] = {
	{ FIELD("server", F_STR, struct wire_pv, nfs_server),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ FIELD("path", F_STR, struct wire_pv, nfs_path),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	{ 0 }
};

static const struct field pv_spec_fields[] = {
	{ .key = "hostPath", .kind = F_OBJ, .sub = pv_host_path_fields },
	{ .key = "nfs", .kind = F_OBJ, .sub = pv_nfs_fields },
	{ 0 }
};

/* a PersistentVolume, or a bare PersistentVolumeSource (hostPath/nfs at
 * the top, as a "persistentVolumeSources" entry may be) */
static const struct field pv_fields[] = {
	{ .key = "metadata", .kind = F_OBJ, .sub = pv_meta_fields },
	{ .key = "spec", .kind = F_OBJ, .sub = pv_spec_fields },
	{ .key = "hostPath", .kind = F_OBJ, .sub = pv_host_path_fields },
	{ .key = "nfs", .kind = F_OBJ, .sub = pv_nfs_fields },
	{ 0 }
};

static const struct list_type pvc_type = { sizeof(struct wire_pvc),
					   pvc_fields };
static const struct list_type pv_type = { sizeof(struct wire_pv),
					  pv_fields };

static const struct field retrieved_container_fields[] = {
	{ FIELD("name", F_STR, struct wire_retrieved_container, name) },
	CM_LIST("configMaps", struct wire_retrieved_container, config_maps,
		n_config_maps, &configmap_type),
	CM_LIST("projectedvolumemaps", struct wire_retrieved_container,
		projected, n_projected, &configmap_type),
	CM_LIST("secrets", struct wire_retrieved_container, secrets,
		n_secrets, &secret_type),
	DRAFT_LIST("persistentVolumeClaims", struct wire_retrieved_container,
		  pvcs, n_pvcs, &pvc_type),
	DRAFT_LIST("persistentVolumes", struct wire_retrieved_container, pvs,
		  n_pvs, &pv_type),
	{ 0 }
};

static const struct list_type retrieved_container_type = {
	sizeof(struct wire_retrieved_container), retrieved_container_fields
};

static const struct field retrieved_pod_data_fields[] = {
	{ FIELD("pod", F_OBJ, struct wire_retrieved_pod_data, pod),
	  .sub = pod_fields },
	{ FIELD("container", F_LIST, struct wire_retrieved_pod_data,
		containers),
	  COUNT(struct wire_retrieved_pod_data, n_containers),
	  .sub = &retrieved_container_type },
	{ FIELD("jobScript", F_STR, struct wire_retrieved_pod_data,
		job_script),
	  .flags = FL_NULLABLE | FL_NONEMPTY },
	/* keys match case-insensitively, as Go's: "persistentvolumes" is
	 * the VK's PVC list */
	DRAFT_LIST("persistentvolumes", struct wire_retrieved_pod_data, pvcs,
		  n_pvcs, &pvc_type),
	DRAFT_LIST("persistentVolumeClaims", struct wire_retrieved_pod_data,
		  pvcs2, n_pvcs2, &pvc_type),
	DRAFT_LIST("persistentVolumeSources", struct wire_retrieved_pod_data,
		  pvs, n_pvs, &pv_type),
	{ 0 }
};

static const struct field pod_create_requests_fields[] = {
	{ FIELD("pod", F_OBJ, struct wire_pod_create_requests, pod),
	  .sub = pod_fields },
	CM_LIST("configmaps", struct wire_pod_create_requests, config_maps,
		n_config_maps, &configmap_type),
	CM_LIST("secrets", struct wire_pod_create_requests, secrets,
		n_secrets, &secret_type),
	CM_LIST("projectedvolumesmaps", struct wire_pod_create_requests,
		projected, n_projected, &configmap_type),
	DRAFT_LIST("persistentvolumes", struct wire_pod_create_requests, pvcs,
		  n_pvcs, &pvc_type),
	{ FIELD("jobscriptURL", F_STR, struct wire_pod_create_requests,
		jobscript_url) },
	{ 0 }
};

#define STATE_TEXT                                                     \
	{ FIELD("reason", F_STR, struct wire_container_state, reason), \
	  .flags = FL_NULLABLE },                                      \
	{ FIELD("message", F_STR, struct wire_container_state, message), \
	  .flags = FL_NULLABLE }
#define STATE_TIME(k, m)                                               \
	{ FIELD(k, F_TIME, struct wire_container_state, m) }

static const struct field state_waiting_fields[] = { STATE_TEXT, { 0 } };

static const struct field state_running_fields[] = {
	STATE_TIME("startedAt", started_at), { 0 }
};

static const struct field state_terminated_fields[] = {
	{ FIELD("exitCode", F_INT, struct wire_container_state, exit_code) },
	{ FIELD("signal", F_INT, struct wire_container_state, signal),
	  .flags = FL_OMIT0 },
	STATE_TEXT,
	STATE_TIME("startedAt", started_at),
	STATE_TIME("finishedAt", finished_at),
	{ 0 }
};

static const struct variant state_variants[] = {
	{ "waiting", WIRE_STATE_WAITING, state_waiting_fields },
	{ "running", WIRE_STATE_RUNNING, state_running_fields },
	{ "terminated", WIRE_STATE_TERMINATED, state_terminated_fields },
	{ NULL, 0, NULL }
};

static const struct field state_fields[] = {
	{ FIELD(NULL, F_ONEOF, struct wire_container_state, kind),
	  .sub = state_variants },
	{ 0 }
};

static const struct field container_status_fields[] = {
	{ FIELD("name", F_STR, struct wire_container_status, name) },
	{ FIELD("state", F_OBJ, struct wire_container_status, state),
	  .sub = state_fields },
	{ FIELD("lastState", F_OBJ, struct wire_container_status,
		last_state),
	  .sub = state_fields },
	{ FIELD("ready", F_BOOL, struct wire_container_status, ready) },
	{ FIELD("restartCount", F_INT, struct wire_container_status,
		restart_count) },
	{ FIELD("image", F_STR, struct wire_container_status, image) },
	{ FIELD("imageID", F_STR, struct wire_container_status, image_id) },
	{ FIELD("started", F_BOOL, struct wire_container_status, started),
	  .flags = FL_HAS, HAS(struct wire_container_status, has_started) },
	{ 0 }
};

static const struct list_type container_status_type = {
	sizeof(struct wire_container_status), container_status_fields
};

static const struct field pod_status_fields[] = {
	{ FIELD("name", F_STR, struct wire_pod_status, name) },
	{ FIELD("UID", F_STR, struct wire_pod_status, uid) },
	{ FIELD("namespace", F_STR, struct wire_pod_status, namespace) },
	{ FIELD("JID", F_STR, struct wire_pod_status, jid) },
	{ FIELD("containers", F_LIST, struct wire_pod_status, containers),
	  COUNT(struct wire_pod_status, n_containers),
	  .sub = &container_status_type },
	{ FIELD("initContainers", F_LIST, struct wire_pod_status,
		init_containers),
	  COUNT(struct wire_pod_status, n_init_containers),
	  .flags = FL_NULL_EMPTY, .sub = &container_status_type },
	{ 0 }
};

static const struct field create_struct_fields[] = {
	{ FIELD("PodUID", F_STR, struct wire_create_struct, pod_uid) },
	{ FIELD("PodJID", F_STR, struct wire_create_struct, pod_jid) },
	{ 0 }
};

static const struct field log_opts_fields[] = {
	{ FIELD("Tail", F_I64, struct wire_log_opts, tail) },
	{ FIELD("Bytes", F_I64, struct wire_log_opts, bytes) },
	{ FIELD("Timestamps", F_BOOL, struct wire_log_opts, timestamps) },
	{ FIELD("Follow", F_BOOL, struct wire_log_opts, follow) },
	{ FIELD("Previous", F_BOOL, struct wire_log_opts, previous) },
	{ FIELD("SinceSeconds", F_I64, struct wire_log_opts, since_seconds) },
	{ FIELD("SinceTime", F_TIME, struct wire_log_opts, since_time),
	  .flags = FL_HAS | FL_NSEC | FL_ZERO_TIME,
	  COUNT(struct wire_log_opts, since_time_nsec),
	  HAS(struct wire_log_opts, has_since_time) },
	{ 0 }
};

static const struct field log_struct_fields[] = {
	{ FIELD("Namespace", F_STR, struct wire_log_struct, namespace) },
	{ FIELD("PodUID", F_STR, struct wire_log_struct, pod_uid) },
	{ FIELD("PodName", F_STR, struct wire_log_struct, pod_name) },
	{ FIELD("ContainerName", F_STR, struct wire_log_struct,
		container_name) },
	{ FIELD("Opts", F_OBJ, struct wire_log_struct, opts),
	  .sub = log_opts_fields },
	{ 0 }
};

static const struct field accelerator_fields[] = {
	{ FIELD("resourceType", F_STR, struct wire_accelerator,
		resource_type) },
	{ FIELD("available", F_QTY, struct wire_accelerator, available) },
	{ 0 }
};

static const struct field taint_fields[] = {
	{ FIELD("key", F_STR, struct wire_taint, key) },
	{ FIELD("value", F_STR, struct wire_taint, value) },
	{ FIELD("effect", F_STR, struct wire_taint, effect) },
	{ 0 }
};

static const struct list_type accelerator_type = {
	sizeof(struct wire_accelerator), accelerator_fields
};
static const struct list_type taint_type = {
	sizeof(struct wire_taint), taint_fields
};

static const struct field ping_resources_fields[] = {
	{ FIELD("cpu", F_QTY, struct wire_ping_response, cpu),
	  .flags = FL_NULLABLE },
	{ FIELD("memory", F_QTY, struct wire_ping_response, memory),
	  .flags = FL_NULLABLE },
	{ FIELD("pods", F_QTY, struct wire_ping_response, pods),
	  .flags = FL_NULLABLE },
	{ FIELD("accelerators", F_LIST, struct wire_ping_response,
		accelerators),
	  COUNT(struct wire_ping_response, n_accelerators),
	  .flags = FL_OMIT_EMPTY, .sub = &accelerator_type },
	{ 0 }
};

static const struct field ping_response_fields[] = {
	{ FIELD("status", F_STR, struct wire_ping_response, status),
	  .flags = FL_NULLABLE },
	{ .key = "resources", .kind = F_OBJ, .flags = FL_OMIT_EMPTY,
	  .sub = ping_resources_fields },
	{ FIELD("taints", F_LIST, struct wire_ping_response, taints),
	  COUNT(struct wire_ping_response, n_taints), .flags = FL_HAS,
	  HAS(struct wire_ping_response, has_taints), .sub = &taint_type },
	{ 0 }
};

/* ------------------------------------------------------------------ */
/* Small helpers */

#define AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))
#define CAT(base, off, type)                                           \
	((const type *)(const void *)((const char *)(base) + (off)))

/* Pointers of any type stored in a struct, without type punning */
static void *ptr_get(const void *base, size_t off)
{
	void *p;

	memcpy(&p, (const char *)base + off, sizeof(p));
	return p;
}

static void ptr_set(void *base, size_t off, void *p)
{
	memcpy((char *)base + off, &p, sizeof(p));
}

static char *mem_dup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool key_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return false;
	}
	return *a == *b;
}

/*
 * The value of key, NULL when absent or null.  As Go's decoder: keys match
 * case-insensitively, a null is a no-op, and of a key given twice (in any
 * casing) the last value wins.
 */
const cJSON *wire_get(const cJSON *obj, const char *key)
{
	const cJSON *el, *found = NULL;

	cJSON_ArrayForEach(el, obj) {
		if (el->string && !cJSON_IsNull(el) &&
		    key_equal(el->string, key))
			found = el;
	}
	return found;
}

/* ------------------------------------------------------------------ */
/* Decoding context: the JSON path and the error buffer */

struct dec {
	char *err;
	size_t errlen;
	size_t plen;
	char path[256];
};

static void path_add(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void path_add(struct dec *d, const char *fmt, ...)
{
	size_t avail = sizeof(d->path) - d->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->path + d->plen, avail, fmt, ap);
	va_end(ap);
	if (n < 0)
		d->path[d->plen] = '\0';
	else
		d->plen += (size_t)n < avail ? (size_t)n : avail - 1;
}

static size_t path_push_key(struct dec *d, const char *key)
{
	size_t old = d->plen;

	path_add(d, "%s%s", d->plen ? "." : "", key);
	return old;
}

static size_t path_push_index(struct dec *d, size_t i)
{
	size_t old = d->plen;

	path_add(d, "[%zu]", i);
	return old;
}

/* A map key, quoted, shortened and made printable for the message */
static size_t path_push_map_key(struct dec *d, const char *key)
{
	size_t old = d->plen, i;
	char buf[48];

	for (i = 0; i < 40 && key[i]; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			c = '?';
		buf[i] = (char)c;
	}
	if (key[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	path_add(d, "[\"%s\"]", buf);
	return old;
}

static void path_pop(struct dec *d, size_t old)
{
	d->plen = old;
	d->path[old] = '\0';
}

static void dec_msg(struct dec *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "path: message" into the error buffer */
static void dec_msg(struct dec *d, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!d->err || !d->errlen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->plen)
		(void)snprintf(d->err, d->errlen, "%s: %s", d->path, msg);
	else
		(void)snprintf(d->err, d->errlen, "%s", msg);
}

/* An expression, so that the compiler sees the -1 */
#define dec_fail(d, ...) (dec_msg((d), __VA_ARGS__), -1)

/* No path: where memory ran out is of no use to the reader */
static int dec_oom(struct dec *d)
{
	if (d->err && d->errlen)
		(void)snprintf(d->err, d->errlen, "out of memory");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Decoding scalars */

/* A JSON string, checked, not copied */
static int get_str(struct dec *d, const cJSON *item, const char **ret_s,
		   size_t *ret_len)
{
	size_t len;

	if (!cJSON_IsString(item) || !item->valuestring)
		return dec_fail(d, "expected a string");
	len = strnlen(item->valuestring, (size_t)WIRE_MAX_STRING + 1);
	if (len > WIRE_MAX_STRING)
		return dec_fail(d, "string longer than %u bytes",
				WIRE_MAX_STRING);
	*ret_s = item->valuestring;
	*ret_len = len;
	return 0;
}

/* An object key (a map key, an unknown volume type), copied */
static int dup_key(struct dec *d, const char *key, char **dst)
{
	size_t len = key ? strnlen(key, (size_t)WIRE_MAX_STRING + 1) : 0;

	if (!len)
		return dec_fail(d, "empty key");
	if (len > WIRE_MAX_STRING)
		return dec_fail(d, "key longer than %u bytes", WIRE_MAX_STRING);
	*dst = mem_dup(key, len);
	return *dst ? 0 : dec_oom(d);
}

/* item NULL (absent or null): "" unless FL_NULLABLE */
static int decode_str(struct dec *d, const cJSON *item, unsigned int flags,
		      char **dst)
{
	const char *s = "";
	size_t len = 0;

	if (item && get_str(d, item, &s, &len))
		return -1;
	if (!item && (flags & FL_NULLABLE))
		return 0;
	if (!len && (flags & FL_NONEMPTY))
		return 0;
	*dst = mem_dup(s, len);
	return *dst ? 0 : dec_oom(d);
}

/* Kubernetes quantities: "500m", or a bare JSON number written from YAML */
static int decode_qty(struct dec *d, const cJSON *item, unsigned int flags,
		      char **dst)
{
	char buf[64];

	if (!item || cJSON_IsString(item))
		return decode_str(d, item, flags, dst);
	if (!cJSON_IsNumber(item))
		return dec_fail(d, "expected a string or a number");
	/* cJSON prints integral values without a decimal point */
	if (!cJSON_PrintPreallocated((cJSON *)(uintptr_t)item, buf,
				     (int)sizeof(buf), 0) ||
	    !strcmp(buf, "null"))
		return dec_fail(d, "number out of range");
	*dst = mem_dup(buf, strlen(buf));
	return *dst ? 0 : dec_oom(d);
}

static int decode_int(struct dec *d, const cJSON *item, double lo,
		      double hi, int64_t *ret)
{
	double v;

	if (!cJSON_IsNumber(item))
		return dec_fail(d, "expected an integer");
	v = item->valuedouble;
	if (!(v >= lo && v <= hi))
		return dec_fail(d, "integer out of range");
	*ret = (int64_t)v;
	if ((double)*ret != v)
		return dec_fail(d, "expected an integer");
	return 0;
}

static int decode_time(struct dec *d, const cJSON *item,
		       const struct field *f, void *base)
{
	const char *s;
	size_t len;
	int64_t sec;
	int32_t nsec;

	if (f->flags & FL_HAS)
		*AT(base, f->aux2, bool) = false;
	if (!item)
		return 0;
	if (get_str(d, item, &s, &len))
		return -1;
	if (!len)
		return 0;
	if (wire_time_parse(s, &sec, &nsec))
		return dec_fail(d, "expected an RFC 3339 time");
	/* the zero time; where nanoseconds are not kept, any instant in
	 * its second is (a stored 0 means "unset") */
	if (sec == ZERO_TIME_SEC && (!nsec || !(f->flags & FL_NSEC)))
		return 0;
	*AT(base, f->off, int64_t) = sec;
	if (f->flags & FL_NSEC)
		*AT(base, f->aux, int32_t) = nsec;
	if (f->flags & FL_HAS)
		*AT(base, f->aux2, bool) = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Decoding containers */

static int decode_table(struct dec *d, const cJSON *obj,
			const struct field *f, void *base);

/* NULL (absent or null) stands for an object with every key absent */
static int decode_object(struct dec *d, const cJSON *item,
			 const struct field *fields, void *base)
{
	if (item && !cJSON_IsObject(item))
		return dec_fail(d, "expected an object");
	return decode_table(d, item, fields, base);
}

static int count_children(struct dec *d, const cJSON *item, size_t *ret)
{
	const cJSON *el;
	size_t n = 0;

	cJSON_ArrayForEach(el, item) {
		if (++n > WIRE_MAX_LIST)
			return dec_fail(d, "more than %d elements",
					WIRE_MAX_LIST);
	}
	*ret = n;
	return 0;
}

typedef int (*elem_decode_fn)(struct dec *d, const cJSON *el,
			      const struct field *f, void *slot);

static int decode_str_elem(struct dec *d, const cJSON *el,
			   const struct field *f, void *slot)
{
	(void)f;
	return decode_str(d, cJSON_IsNull(el) ? NULL : el, 0, slot);
}

static int decode_obj_elem(struct dec *d, const cJSON *el,
			   const struct field *f, void *slot)
{
	const struct list_type *t = f->sub;

	return decode_object(d, cJSON_IsNull(el) ? NULL : el, t->fields,
			     slot);
}

/*
 * An array into a calloc'ed C array.  The array and its count are stored
 * before the elements are filled, so a failure leaves a freeable struct.
 */
static int decode_array(struct dec *d, const cJSON *item,
			const struct field *f, void *base, size_t size,
			elem_decode_fn fn)
{
	const cJSON *el;
	size_t n = 0, i = 0;
	char *arr;

	if (!item)
		return 0;
	if (!cJSON_IsArray(item))
		return dec_fail(d, "expected an array");
	if (count_children(d, item, &n))
		return -1;
	if (!n)
		return 0;
	arr = calloc(n, size);
	if (!arr)
		return dec_oom(d);
	ptr_set(base, f->off, arr);
	*AT(base, f->aux, size_t) = n;
	cJSON_ArrayForEach(el, item) {
		size_t old = path_push_index(d, i);
		int r = fn(d, el, f, arr + i * size);

		path_pop(d, old);
		if (r)
			return -1;
		i++;
	}
	return 0;
}

static int decode_kv_value(struct dec *d, const cJSON *el, bool b64,
			   struct wire_kv *kv)
{
	const char *s;
	size_t len;
	int r;

	if (!b64 || cJSON_IsNull(el)) {
		if (decode_str(d, cJSON_IsNull(el) ? NULL : el, 0, &kv->value))
			return -1;
		kv->len = strlen(kv->value);
		return 0;
	}
	if (get_str(d, el, &s, &len))
		return -1;
	r = wire_base64_decode(s, len, &kv->value, &kv->len);
	if (r == -2)
		return dec_oom(d);
	return r ? dec_fail(d, "invalid base64") : 0;
}

/* A JSON object of strings; appends to what is there (data+binaryData) */
static int decode_map(struct dec *d, const cJSON *item,
		      const struct field *f, void *base)
{
	struct wire_kv **arrp = AT(base, f->off, struct wire_kv *);
	size_t *np = AT(base, f->aux, size_t);
	struct wire_kv *arr;
	const cJSON *el;
	size_t n = 0;

	if (!item)
		return 0;
	if (!cJSON_IsObject(item))
		return dec_fail(d, "expected an object");
	if (count_children(d, item, &n))
		return -1;
	if (!n)
		return 0;
	arr = realloc(*arrp, (*np + n) * sizeof(*arr));
	if (!arr)
		return dec_oom(d);
	memset(arr + *np, 0, n * sizeof(*arr));
	*arrp = arr;
	cJSON_ArrayForEach(el, item) {
		struct wire_kv *kv = &arr[(*np)++];
		size_t old;
		int r;

		if (dup_key(d, el->string, &kv->key))
			return -1;
		old = path_push_map_key(d, el->string);
		r = decode_kv_value(d, el, f->kind == F_KV_B64, kv);
		path_pop(d, old);
		if (r)
			return -1;
	}
	return 0;
}

/* The variant whose key is present picks the kind (volumes, states) */
static int decode_oneof(struct dec *d, const cJSON *obj,
			const struct field *f, void *base)
{
	const struct variant *v;
	const cJSON *el;
	size_t old;
	int r;

	if (!obj)
		return 0;
	for (v = f->sub; v->key; v++) {
		const cJSON *item = wire_get(obj, v->key);

		if (!item)
			continue;
		memcpy((char *)base + f->off, &v->kind, sizeof(v->kind));
		old = path_push_key(d, v->key);
		r = decode_object(d, item, v->fields, base);
		path_pop(d, old);
		return r;
	}
	if (!(f->flags & FL_OTHER))
		return 0;
	cJSON_ArrayForEach(el, obj) {
		if (el->string && !key_equal(el->string, "name") &&
		    !cJSON_IsNull(el))
			return dup_key(d, el->string, AT(base, f->aux, char *));
	}
	return 0;
}

static int decode_field(struct dec *d, const cJSON *item,
			const struct field *f, void *base)
{
	int64_t v;

	if (f->flags & FL_HAS)
		*AT(base, f->aux2, bool) = item != NULL;
	switch (f->kind) {
	case F_STR:
		return decode_str(d, item, f->flags, AT(base, f->off, char *));
	case F_QTY:
		return decode_qty(d, item, f->flags, AT(base, f->off, char *));
	case F_STRS:
		return decode_array(d, item, f, base, sizeof(char *),
				    decode_str_elem);
	case F_KV:
	case F_KV_B64:
		return decode_map(d, item, f, base);
	case F_BOOL:
		if (item && !cJSON_IsBool(item))
			return dec_fail(d, "expected a boolean");
		*AT(base, f->off, bool) = cJSON_IsTrue(item);
		return 0;
	case F_INT:
		if (!item) {
			*AT(base, f->off, int) = f->flags & FL_NEG1 ? -1 : 0;
			return 0;
		}
		if (decode_int(d, item, INT_MIN, INT_MAX, &v))
			return -1;
		*AT(base, f->off, int) = (int)v;
		return 0;
	case F_I64:
		if (item && decode_int(d, item, -MAX_EXACT_INT, MAX_EXACT_INT,
				       AT(base, f->off, int64_t)))
			return -1;
		return 0;
	case F_TIME:
		return decode_time(d, item, f, base);
	case F_OBJ:
		return decode_object(d, item, f->sub, AT(base, f->off, char));
	case F_LIST:
		return decode_array(d, item, f, base,
				    ((const struct list_type *)f->sub)->size,
				    decode_obj_elem);
	case F_ONEOF:
	case F_END:
		break;
	}
	return 0;
}

static void free_field(const struct field *f, void *base);

/* obj NULL: every key absent, so that defaults apply */
static int decode_table(struct dec *d, const cJSON *obj,
			const struct field *f, void *base)
{
	for (; f->kind != F_END; f++) {
		const cJSON *item = NULL;
		size_t old = d->plen;
		int r;

		if (f->kind == F_ONEOF) {
			if (decode_oneof(d, obj, f, base))
				return -1;
			continue;
		}
		if (obj && f->key)
			item = wire_get(obj, f->key);
		if (f->key)
			old = path_push_key(d, f->key);
		r = decode_field(d, item, f, base);
		path_pop(d, old);
		if (r && (f->flags & FL_SHAPELESS)) {
			free_field(f, base);
			if (d->errlen)
				d->err[0] = '\0';
			r = 0;
		}
		if (r)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Freeing: every free resets the member, so freeing twice is harmless */

static void free_table(const struct field *f, void *base);

typedef void (*elem_free_fn)(const struct field *f, void *slot);

static void free_str_elem(const struct field *f, void *slot)
{
	(void)f;
	free(*(char **)slot);
}

static void free_kv_elem(const struct field *f, void *slot)
{
	struct wire_kv *kv = slot;

	(void)f;
	free(kv->key);
	free(kv->value);
}

static void free_obj_elem(const struct field *f, void *slot)
{
	const struct list_type *t = f->sub;

	free_table(t->fields, slot);
}

static void free_array(const struct field *f, void *base, size_t size,
		       elem_free_fn fn)
{
	char *arr = ptr_get(base, f->off);
	size_t *np = AT(base, f->aux, size_t);
	size_t i;

	for (i = 0; arr && i < *np; i++)
		fn(f, arr + i * size);
	free(arr);
	ptr_set(base, f->off, NULL);
	*np = 0;
}

static void free_field(const struct field *f, void *base)
{
	const struct variant *v;

	switch (f->kind) {
	case F_STR:
	case F_QTY:
		free(*AT(base, f->off, char *));
		*AT(base, f->off, char *) = NULL;
		break;
	case F_STRS:
		free_array(f, base, sizeof(char *), free_str_elem);
		break;
	case F_KV:
	case F_KV_B64:
		free_array(f, base, sizeof(struct wire_kv), free_kv_elem);
		break;
	case F_OBJ:
		free_table(f->sub, AT(base, f->off, char));
		break;
	case F_LIST:
		free_array(f, base, ((const struct list_type *)f->sub)->size,
			   free_obj_elem);
		break;
	case F_ONEOF:
		for (v = f->sub; v->key; v++)
			free_table(v->fields, base);
		if (f->flags & FL_OTHER) {
			free(*AT(base, f->aux, char *));
			*AT(base, f->aux, char *) = NULL;
		}
		break;
	case F_BOOL:
	case F_INT:
	case F_I64:
	case F_TIME:
	case F_END:
		break;
	}
}

static void free_table(const struct field *f, void *base)
{
	for (; f->kind != F_END; f++)
		free_field(f, base);
}

/* ------------------------------------------------------------------ */
/* Encoding */

static int encode_table(cJSON *obj, const struct field *f,
			const void *base);

/* Adds v (consumed, may be NULL after an OOM) to obj */
static int add_item(cJSON *obj, const char *key, cJSON *v)
{
	if (v && cJSON_AddItemToObject(obj, key, v))
		return 0;
	cJSON_Delete(v);
	return -1;
}

static cJSON *encode_object(const struct field *fields, const void *base)
{
	cJSON *obj = cJSON_CreateObject();

	if (obj && encode_table(obj, fields, base)) {
		cJSON_Delete(obj);
		obj = NULL;
	}
	return obj;
}

/* An F_LIST: an array of objects */
static cJSON *encode_list(const struct field *f, const void *base)
{
	const struct list_type *t = f->sub;
	const char *arr = ptr_get(base, f->off);
	size_t i, n = *CAT(base, f->aux, size_t);
	cJSON *a = cJSON_CreateArray();

	for (i = 0; a && arr && i < n; i++) {
		cJSON *el = encode_object(t->fields, arr + i * t->size);

		if (!el || !cJSON_AddItemToArray(a, el)) {
			cJSON_Delete(el);
			cJSON_Delete(a);
			a = NULL;
		}
	}
	return a;
}

static void format_time(int64_t sec, int32_t nsec, char *buf, size_t len);

static int encode_time(cJSON *obj, const struct field *f, const void *base)
{
	int64_t sec = *CAT(base, f->off, int64_t);
	int32_t nsec = f->flags & FL_NSEC ? *CAT(base, f->aux, int32_t) : 0;
	bool set = f->flags & FL_HAS ? *CAT(base, f->aux2, bool) : sec != 0;
	char buf[64];

	if (!set && !(f->flags & FL_ZERO_TIME))
		return 0;
	if (!set) {
		sec = ZERO_TIME_SEC;
		nsec = 0;
	}
	format_time(sec, nsec, buf, sizeof(buf));
	return add_item(obj, f->key, cJSON_CreateString(buf));
}

static int encode_oneof(cJSON *obj, const struct field *f, const void *base)
{
	const struct variant *v;
	int kind;

	memcpy(&kind, (const char *)base + f->off, sizeof(kind));
	for (v = f->sub; v->key; v++) {
		if (v->kind == kind)
			return add_item(obj, v->key,
					encode_object(v->fields, base));
	}
	return 0;
}

static int encode_field(cJSON *obj, const struct field *f, const void *base)
{
	const char *s;
	size_t n;
	cJSON *v;
	int i;

	switch (f->kind) {
	case F_STR:
	case F_QTY:
		s = ptr_get(base, f->off);
		if (!s && (f->flags & FL_NULLABLE))
			return 0;
		v = cJSON_CreateString(s ? s : "");
		break;
	case F_BOOL:
		v = cJSON_CreateBool(*CAT(base, f->off, bool));
		break;
	case F_INT:
		i = *CAT(base, f->off, int);
		if (!i && (f->flags & FL_OMIT0))
			return 0;
		v = cJSON_CreateNumber(i);
		break;
	case F_I64:
		v = cJSON_CreateNumber((double)*CAT(base, f->off, int64_t));
		break;
	case F_TIME:
		return encode_time(obj, f, base);
	case F_OBJ:
		v = encode_object(f->sub, CAT(base, f->off, char));
		if (v && !v->child && (f->flags & FL_OMIT_EMPTY)) {
			cJSON_Delete(v);
			return 0;
		}
		break;
	case F_LIST:
		n = *CAT(base, f->aux, size_t);
		if (!n && (f->flags & FL_OMIT_EMPTY))
			return 0;
		if (!n && (f->flags & FL_NULL_EMPTY))
			v = cJSON_CreateNull();
		else
			v = encode_list(f, base);
		break;
	case F_ONEOF:
		return encode_oneof(obj, f, base);
	case F_STRS:
	case F_KV:
	case F_KV_B64:
	case F_END:
	default:
		/* only pods and config maps have these; neither is encoded */
		return 0;
	}
	return add_item(obj, f->key, v);
}

static int encode_table(cJSON *obj, const struct field *f, const void *base)
{
	for (; f->kind != F_END; f++) {
		if (!f->key && f->kind != F_ONEOF)
			continue;
		if ((f->flags & FL_HAS) && f->kind != F_TIME &&
		    !*CAT(base, f->aux2, bool))
			continue;
		if (encode_field(obj, f, base))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Public decoders, encoders and destructors */

static int decode_root(const cJSON *j, const struct field *fields,
		       void *ret, size_t size, char *err, size_t errlen)
{
	struct dec d = { .err = err, .errlen = errlen };

	if (err && errlen)
		err[0] = '\0';
	if (!ret)
		return dec_fail(&d, "no result struct");
	memset(ret, 0, size);
	if (!cJSON_IsObject(j))
		return dec_fail(&d, "expected an object");
	if (!decode_table(&d, j, fields, ret))
		return 0;
	free_table(fields, ret);
	memset(ret, 0, size);
	return -1;
}

static void done_root(const struct field *fields, void *p, size_t size)
{
	if (!p)
		return;
	free_table(fields, p);
	memset(p, 0, size);
}

static cJSON *encode_root(const struct field *fields, const void *base)
{
	return base ? encode_object(fields, base) : NULL;
}

int wire_pod_decode(const cJSON *j, struct wire_pod *ret, char *err,
		    size_t errlen)
{
	return decode_root(j, pod_fields, ret, sizeof(*ret), err, errlen);
}

void wire_pod_done(struct wire_pod *p)
{
	done_root(pod_fields, p, sizeof(*p));
}

int wire_config_map_decode(const cJSON *j, bool is_secret,
			   struct wire_config_map *ret, char *err,
			   size_t errlen)
{
	return decode_root(j, is_secret ? secret_fields : configmap_fields,
			   ret, sizeof(*ret), err, errlen);
}

void wire_config_map_done(struct wire_config_map *c)
{
	done_root(configmap_fields, c, sizeof(*c));
}

int wire_retrieved_pod_data_decode(const cJSON *j,
				   struct wire_retrieved_pod_data *ret,
				   char *err, size_t errlen)
{
	return decode_root(j, retrieved_pod_data_fields, ret, sizeof(*ret),
			   err, errlen);
}

void wire_retrieved_pod_data_done(struct wire_retrieved_pod_data *r)
{
	done_root(retrieved_pod_data_fields, r, sizeof(*r));
}

int wire_pod_create_requests_decode(const cJSON *j,
				    struct wire_pod_create_requests *ret,
				    char *err, size_t errlen)
{
	return decode_root(j, pod_create_requests_fields, ret, sizeof(*ret),
			   err, errlen);
}

void wire_pod_create_requests_done(struct wire_pod_create_requests *r)
{
	done_root(pod_create_requests_fields, r, sizeof(*r));
}

int wire_pod_status_decode(const cJSON *j, struct wire_pod_status *ret,
			   char *err, size_t errlen)
{
	return decode_root(j, pod_status_fields, ret, sizeof(*ret), err,
			   errlen);
}

cJSON *wire_pod_status_encode(const struct wire_pod_status *s)
{
	return encode_root(pod_status_fields, s);
}

void wire_pod_status_done(struct wire_pod_status *s)
{
	done_root(pod_status_fields, s, sizeof(*s));
}

int wire_create_struct_decode(const cJSON *j, struct wire_create_struct *ret,
			      char *err, size_t errlen)
{
	return decode_root(j, create_struct_fields, ret, sizeof(*ret), err,
			   errlen);
}

cJSON *wire_create_struct_encode(const struct wire_create_struct *c)
{
	return encode_root(create_struct_fields, c);
}

void wire_create_struct_done(struct wire_create_struct *c)
{
	done_root(create_struct_fields, c, sizeof(*c));
}

int wire_log_struct_decode(const cJSON *j, struct wire_log_struct *ret,
			   char *err, size_t errlen)
{
	return decode_root(j, log_struct_fields, ret, sizeof(*ret), err,
			   errlen);
}

cJSON *wire_log_struct_encode(const struct wire_log_struct *l)
{
	return encode_root(log_struct_fields, l);
}

void wire_log_struct_done(struct wire_log_struct *l)
{
	done_root(log_struct_fields, l, sizeof(*l));
}

int wire_ping_response_decode(const cJSON *j, struct wire_ping_response *ret,
			      char *err, size_t errlen)
{
	return decode_root(j, ping_response_fields, ret, sizeof(*ret), err,
			   errlen);
}

cJSON *wire_ping_response_encode(const struct wire_ping_response *p)
{
	return encode_root(ping_response_fields, p);
}

void wire_ping_response_done(struct wire_ping_response *p)
{
	done_root(ping_response_fields, p, sizeof(*p));
}

/* ------------------------------------------------------------------ */
/* Pod helpers */

size_t wire_pod_n_all_containers(const struct wire_pod *p)
{
	return p ? p->n_init_containers + p->n_containers : 0;
}

const struct wire_container *wire_pod_container_at(const struct wire_pod *p,
						    size_t i, bool *ret_init)
{
	bool init;

	if (!p || i >= wire_pod_n_all_containers(p))
		return NULL;
	init = i < p->n_init_containers;
	if (ret_init)
		*ret_init = init;
	return init ? &p->init_containers[i] :
		      &p->containers[i - p->n_init_containers];
}

const struct wire_volume *wire_pod_volume(const struct wire_pod *p,
					  const char *name)
{
	size_t i;

	for (i = 0; p && name && i < p->n_volumes; i++) {
		if (p->volumes[i].name && !strcmp(p->volumes[i].name, name))
			return &p->volumes[i];
	}
	return NULL;
}

/* The last one wins, as in the Go map the key would have landed in */
const char *wire_pod_annotation(const struct wire_pod *p, const char *key)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; p && key && i < p->n_annotations; i++) {
		if (p->annotations[i].key &&
		    !strcmp(p->annotations[i].key, key))
			found = p->annotations[i].value;
	}
	return found;
}

/* ------------------------------------------------------------------ */
/* Parsing */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * One pass over the raw text before cJSON sees it.  It refuses control
 * characters (invalid anywhere in JSON; a NUL would also end cJSON's view
 * of the text early), a \u0000 escape (C strings would silently cut the
 * value there) and nesting deeper than WIRE_MAX_DEPTH, so that cJSON's
 * recursive parser never goes deep.  Returns the offending offset and sets
 * *ret_why, or returns len.
 */
static size_t scan_json(const char *buf, size_t len, const char **ret_why)
{
	unsigned int depth = 0;
	bool in_str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 && (in_str || !is_json_space((char)c))) {
			*ret_why = "control character in JSON";
			return i;
		}
		if (in_str) {
			if (c == '\\' && len - i > 5 &&
			    !memcmp(buf + i + 1, "u0000", 5)) {
				*ret_why = "\\u0000 in a JSON string";
				return i;
			}
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > WIRE_MAX_DEPTH) {
				*ret_why = "JSON nested deeper than "
					   STRINGIFY(WIRE_MAX_DEPTH);
				return i;
			}
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return len;
}

int wire_parse(const char *buf, size_t len, cJSON **ret, char *err,
	       size_t errlen)
{
	const char *end = NULL, *why = NULL;
	char *copy = NULL;
	cJSON *j = NULL;
	size_t off;
	int r = -1;

	set_err(err, errlen, "%s", "");
	if (!ret || (!buf && len)) {
		set_err(err, errlen, "invalid argument");
		return -1;
	}
	*ret = NULL;
	if (len > WIRE_MAX_BODY) {
		set_err(err, errlen, "body larger than %u bytes",
			WIRE_MAX_BODY);
		return -1;
	}
	off = scan_json(buf, len, &why);
	if (off < len) {
		set_err(err, errlen, "%s at offset %zu", why, off);
		return -1;
	}
	for (off = 0; off < len && is_json_space(buf[off]); off++)
		;
	if (off == len) {
		set_err(err, errlen, "empty body");
		return -1;
	}
	copy = malloc(len + 1);
	if (!copy) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	j = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	if (!j) {
		off = end ? (size_t)(end - copy) : 0;
		set_err(err, errlen, "invalid JSON at offset %zu", off);
		goto out;
	}
	for (off = (size_t)(end - copy); off < len && is_json_space(copy[off]);
	     off++)
		;
	if (off < len) {
		set_err(err, errlen, "trailing data after JSON at offset %zu",
			off);
		goto out;
	}
	*ret = j;
	j = NULL;
	r = 0;
out:
	cJSON_Delete(j);
	free(copy);
	return r;
}

/* ------------------------------------------------------------------ */
/* Times */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned int *m,
			    unsigned int *d)
{
	int64_t era;
	unsigned int doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* RFC 3339 in UTC; nanoseconds as Go's RFC3339Nano (zeros trimmed) */
static void format_time(int64_t sec, int32_t nsec, char *buf, size_t len)
{
	int64_t days, rem, y;
	unsigned int m, d;
	char frac[16] = "";

	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (nsec > 0 && nsec < 1000000000) {
		size_t n;

		(void)snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
		n = strlen(frac);
		while (n > 1 && frac[n - 1] == '0')
			frac[--n] = '\0';
	}
	(void)snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02d%sZ",
		       (long long)y, m, d, (int)(rem / 3600),
		       (int)(rem / 60 % 60), (int)(rem % 60), frac);
}

void wire_time_format(int64_t t, char *buf, size_t len)
{
	if (buf && len)
		format_time(t, 0, buf, len);
}

/* n ASCII digits; stops at the NUL, so never reads past the string */
static bool get_digits(const char *s, unsigned int n, int *ret)
{
	int v = 0;

	for (; n; n--, s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* "Z" or "+hh:mm" / "-hh:mm"; returns the offset in seconds east */
static bool parse_zone(const char *s, int *ret_off)
{
	int h, m;

	if (s[0] == 'Z' && !s[1]) {
		*ret_off = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || !get_digits(s + 1, 2, &h) ||
	    s[3] != ':' || !get_digits(s + 4, 2, &m) || s[6] || h > 23 ||
	    m > 59)
		return false;
	*ret_off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return true;
}

int wire_time_parse(const char *s, int64_t *ret_sec, int32_t *ret_nsec)
{
	int y, mo, d, h, mi, se, zone, nsec = 0;
	size_t i = 19;
	int64_t t;

	if (!s || !get_digits(s, 4, &y) || s[4] != '-' ||
	    !get_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !get_digits(s + 8, 2, &d) || s[10] != 'T' ||
	    !get_digits(s + 11, 2, &h) || s[13] != ':' ||
	    !get_digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !get_digits(s + 17, 2, &se))
		return -1;
	if (s[i] == '.') {
		int digits = 0;

		for (i++; s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (digits == 9)
				return -1;
			nsec = nsec * 10 + (s[i] - '0');
		}
		if (!digits)
			return -1;
		for (; digits < 9; digits++)
			nsec *= 10;
	}
	if (!parse_zone(s + i, &zone) || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	t = days_from_civil(y, (unsigned int)mo, (unsigned int)d) * 86400 +
	    (int64_t)h * 3600 + (int64_t)mi * 60 + se - zone;
	/* only times that format back as 0001..9999 (RFC 3339 years) */
	if (t < WIRE_TIME_MIN || t > WIRE_TIME_MAX)
		return -1;
	if (ret_sec)
		*ret_sec = t;
	if (ret_nsec)
		*ret_nsec = nsec;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Base64 */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int wire_base64_decode(const char *in, size_t inlen, char **ret,
		       size_t *ret_len)
{
	size_t pad = 0, i, k, o = 0;
	char *out;

	if ((!in && inlen) || inlen % 4)
		return -1;
	if (inlen && in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	out = malloc(inlen / 4 * 3 - pad + 1);
	if (!out)
		return -2;
	for (i = 0; i < inlen; i += 4) {
		size_t nd = i + 4 == inlen ? 4 - pad : 4;
		uint32_t q = 0;

		for (k = 0; k < nd; k++) {
			int v = b64_value(in[i + k]);

			if (v < 0) {
				free(out);
				return -1;
			}
			q |= (uint32_t)v << (18 - 6 * k);
		}
		out[o++] = (char)(q >> 16);
		if (nd > 2)
			out[o++] = (char)(q >> 8 & 0xff);
		if (nd > 3)
			out[o++] = (char)(q & 0xff);
	}
	out[o] = '\0';
	*ret = out;
	if (ret_len)
		*ret_len = o;
	return 0;
}

char *wire_base64_encode(const char *in, size_t inlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;
	char *out;

	if ((!in && inlen) || inlen / 3 >= (SIZE_MAX - 5) / 4)
		return NULL;
	out = malloc((inlen + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < inlen; i += 3) {
		size_t left = inlen - i;
		uint32_t q = (uint32_t)p[i] << 16;

		if (left > 1)
			q |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			q |= p[i + 2];
		out[o++] = b64_alphabet[q >> 18];
		out[o++] = b64_alphabet[q >> 12 & 63];
		out[o++] = b64_alphabet[q >> 6 & 63];
		out[o++] = b64_alphabet[q & 63];
	}
	/* the last group: 1 byte -> "xx==", 2 bytes -> "xxx=" */
	if (inlen % 3)
		out[o - 1] = '=';
	if (inlen % 3 == 1)
		out[o - 2] = '=';
	out[o] = '\0';
	return out;
}
