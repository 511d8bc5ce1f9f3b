/*
 * sidecar-slurm/tunnels.h - upstream's port-exposure and mesh annotations.
 *
 * Upstream's virtual-kubelet gives a pod that exposes ports a client
 * command to run next to it (interlink.eu/wstunnel-client-commands, or
 * rathole-client-commands / ssh-client-commands, by tunnel type), and with
 * full-mesh networking prepends a WireGuard set-up script to
 * slurm-job.vk.io/pre-exec as a heredoc:
 *
 *     cat <<'EOFMESH' > $TMPDIR/mesh.sh
 *     ...script, which sets the mesh up and then execs "$@"...
 *     EOFMESH
 *
 * These are shell text supplied through the pod, so the job runs them only
 * when the site sets AllowTunnelAnnotations: true (a pod carrying one is
 * refused with 403 otherwise).  In the job script:
 *   - each client command is written to tunnel-<type>.sh and started in the
 *     background, in a process group of its own, before any init container
 *     (upstream's order: POD_IP, CommandPrefix, client commands, pre-exec);
 *     it is stopped (TERM to its group) when the containers have ended or
 *     the job is cancelled;
 *   - the mesh script is written to mesh.sh and the containers run as its
 *     arguments (mesh.sh bash <this script>), so they live in the network
 *     namespace it sets up, as upstream's plugin does since it passes job.sh
 *     to mesh.sh; the rest of pre-exec stays raw shell
 *     (AllowRawShellAnnotations);
 *   - their output, each line tagged [wstunnel], [rathole], [ssh] or [mesh]
 *     and time-stamped, goes to <dir>/tunnels.out, which /getLogs serves
 *     as the pseudo-container TUNNELS_LOG_NAME.
 */
#ifndef SIDECAR_TUNNELS_H
#define SIDECAR_TUNNELS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "wire.h"

#define TUNNELS_LOG_NAME "interlink-tunnels"
#define TUNNELS_LOG_FILE "tunnels.out"
#define TUNNELS_STATUS_FILE "tunnels.status"
/* set in the environment of the inner run of a mesh-wrapped script */
#define TUNNELS_MESH_ENV "ILK_MESH_INNER"

/* The client-command annotation keys, NULL terminated. */
extern const char *const tunnels_annotations[];

/*
 * Split a pre-exec text into upstream's mesh heredoc body and the rest.
 * Returns true when the heredoc (marker line, body, EOFMESH line) is there;
 * mesh and rest then hold copies.  false: neither is touched.
 */
bool tunnels_split_pre_exec(const char *pre, struct buf *mesh,
			    struct buf *rest);

/* true when the pod carries a non-empty client command or a mesh script. */
bool tunnels_pod_uses(const struct wire_pod *pod);

/*
 * Policy: refuse the pod (-1 and the reason in err) when it carries a
 * client command or a mesh script and allow_tunnel is false, or when the
 * part of pre-exec that is not the mesh script is not blank and allow_raw
 * is false.  *pre_exec_checked is set when pre-exec has been judged here
 * (a mesh pre-exec under allow_tunnel), so the raw-shell check skips it.
 */
int tunnels_check(bool allow_tunnel, bool allow_raw,
		  const struct wire_pod *pod, bool *pre_exec_checked,
		  char *err, size_t errlen);

/* The shell functions the blocks below use (part of every prelude). */
extern const char tunnels_prelude[];

/* Append the block that starts the pod's client commands (allowed). */
int tunnels_emit_clients(const struct wire_pod *pod, struct buf *out);

/*
 * Append the block that writes mesh.sh from mesh (the heredoc body) and
 * re-runs this script under it with TUNNELS_MESH_ENV=1, then stops the
 * clients and exits with its code.
 */
int tunnels_emit_mesh(const char *mesh, size_t len, struct buf *out);

#endif /* SIDECAR_TUNNELS_H */
