/*
 * interlink-api/ilctl_state.h - the pods ilctl created, one JSON file per
 * pod in the state directory: "<dir>/<namespace>_<name>.json".  The file
 * holds the pod as Kubernetes would store it (with the JobID annotation),
 * which is what /status and /delete send.  Namespaces are DNS labels and
 * names DNS subdomains, so neither holds '_' or '/'.
 */
#ifndef ILCTL_STATE_H
#define ILCTL_STATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Does pod ns/name have a state file?  1 yes, 0 no, -1 with a message in
 * err (bad name, unreadable directory).
 */
int ilctl_state_exists(const char *dir, const char *ns, const char *name,
		       char *err, size_t errlen);

/* Load pod ns/name into *ret (caller frees).  0, or -1 with err set. */
int ilctl_state_load(const char *dir, const char *ns, const char *name,
		     cJSON **ret, char *err, size_t errlen);

/*
 * Save pod (borrowed) under its metadata.namespace and name: the directory
 * is created 0700, the file written 0600 through a temporary file and a
 * rename.  0, or -1 with err set.
 */
int ilctl_state_save(const char *dir, const cJSON *pod, char *err,
		     size_t errlen);

/* Remove the state file of pod ns/name.  0, or -1 with err set. */
int ilctl_state_remove(const char *dir, const char *ns, const char *name,
		       char *err, size_t errlen);

/*
 * Every saved pod, as a new array sorted by file name (*ret, caller
 * frees; empty when the directory does not exist).  Files that cannot be
 * read are skipped with a warning on stderr.  0, or -1 with err set.
 */
int ilctl_state_list(const char *dir, cJSON **ret, char *err,
		     size_t errlen);

#endif /* ILCTL_STATE_H */
