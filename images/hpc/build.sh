#!/bin/bash
# images/hpc/build.sh BIN-DIR [TAG] - the HPC side of the two-host tests as
# a Docker image, made from Debian's mirror with mmdebstrap (no registry):
# munge, slurmctld, slurmd, the Slurm client commands and the libraries
# sidecar-slurm links (found with ldd and dpkg -S).  The project's binaries
# are not in the image: the test mounts them.  The root is cached by its
# package list under /var/cache/interlink-ci/images, so later runs only
# `docker import` it.  Default TAG: interlink-c/hpc-node:dev
set -euo pipefail
bin=${1:?usage: build.sh BIN-DIR [TAG]}/sidecar-slurm
tag=${2:-interlink-c/hpc-node:dev}
cache=${ILK_IMAGE_CACHE:-/var/cache/interlink-ci/images}
[[ -x $bin ]] || { echo "hpc-image: $bin is missing (run make first)" >&2; exit 1; }
for c in mmdebstrap docker dpkg ldd; do
	command -v "$c" >/dev/null || { echo "hpc-image: $c is not installed" >&2; exit 1; }
done

libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
	while read -r l; do dpkg -S "$(readlink -f "$l")" 2>/dev/null || dpkg -S "$l"; done |
	cut -d: -f1 | sort -u | tr '\n' ',')
pkgs="${libs}slurmctld,slurmd,slurm-client,munge,bash,procps,iproute2,coreutils,util-linux"
key=$(printf '%s\n' "$pkgs" | sha256sum | cut -c1-16)
root=$cache/hpc-root-$key.tar
mkdir -p -- "$cache"
if [[ ! -s $root ]]; then
	start=$SECONDS
	echo "hpc-image: mmdebstrap bookworm ($pkgs)"
	# the Slurm packages' services must not start inside the build
	mmdebstrap --variant=minbase --format=tar --include="$pkgs" --quiet \
		--customize-hook='rm -f "$1"/etc/machine-id' \
		bookworm "$root.part" >"$cache/hpc-root-$key.log" 2>&1 ||
		{ tail -n 30 "$cache/hpc-root-$key.log" >&2; rm -f -- "$root.part"; exit 1; }
	mv -- "$root.part" "$root"
	echo "hpc-image: root made in $((SECONDS - start)) s: $root"
fi
docker import --change 'CMD ["/bin/bash"]' -m "HPC node for interlink-c's two-host tests" \
	"$root" "$tag" >/dev/null
echo "hpc-image: $tag ($(($(docker image inspect -f '{{.Size}}' "$tag") / 1024 / 1024)) MiB)"
