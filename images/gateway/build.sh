#!/bin/bash
# images/gateway/build.sh BIN-DIR [TAG] - an OCI image of interlink-api
# without a registry: the binary (stripped) and exactly the shared
# libraries it loads (ldd), the dynamic loader, /etc/passwd with the
# non-root user 65532, imported into Docker with `docker import`.  Nothing
# is pulled.  The image runs as 65532:65532, needs no writable path (run it
# with --read-only), reads /etc/interlink/InterLinkConfig.yaml or
# $INTERLINKCONFIGPATH, and exposes 3000 (InterlinkPort's default), as
# upstream's interlink container does.  Default TAG: interlink-c/interlink-api:dev
set -euo pipefail
bin=${1:?usage: build.sh BIN-DIR [TAG]}/interlink-api
tag=${2:-interlink-c/interlink-api:dev}
[[ -x $bin ]] || { echo "image: $bin is missing (run make first)" >&2; exit 1; }
command -v docker >/dev/null || { echo "image: docker is not installed" >&2; exit 1; }

root=$(mktemp -d /tmp/ilk-image.XXXXXX)
trap 'rm -rf -- "$root"' EXIT
mkdir -p "$root"/{usr/local/bin,etc/interlink,tmp,proc,sys,dev,run}
chmod 1777 "$root/tmp"
strip --strip-unneeded -o "$root/usr/local/bin/interlink-api" "$bin"

# Each library under the path the loader resolved (the file itself, not
# the symlink), and the loader.  glibc >= 2.34 has the files and dns NSS
# modules built in, so nothing is loaded later by name.
ldd "$bin" | while read -r a b c _; do
	case $b in
	'=>') p=$c ;;
	*) p=$a ;;
	esac
	[[ $p == /* ]] || continue
	mkdir -p "$root$(dirname "$p")"
	cp -L -- "$p" "$root$p"
	strip --strip-unneeded "$root$p" 2>/dev/null || true
done
# usr-merge: /lib64 -> usr/lib64 etc. as on Debian, so both paths resolve
for d in lib lib64; do
	if [[ -d $root/$d && ! -L $root/$d ]]; then
		mkdir -p "$root/usr/$d"; cp -a "$root/$d/." "$root/usr/$d/"; rm -rf "${root:?}/$d"
	fi
	[[ -e $root/usr/$d ]] && ln -s "usr/$d" "$root/$d"
done

cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/nonexistent:/usr/sbin/nologin
interlink:x:65532:65532:interlink-api:/nonexistent:/usr/sbin/nologin
P
printf 'root:x:0:\ninterlink:x:65532:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
printf 'This image holds interlink-api (interlink-c) and the Debian libraries it links; see /usr/share/doc in Debian for their licences.\n' >"$root/etc/interlink/README"

rev=$(git -C "$(dirname -- "${BASH_SOURCE[0]}")" rev-parse --short HEAD 2>/dev/null || echo unknown)
tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
	docker import \
		--change 'USER 65532:65532' \
		--change 'WORKDIR /' \
		--change 'EXPOSE 3000' \
		--change 'ENTRYPOINT ["/usr/local/bin/interlink-api"]' \
		--change "LABEL org.opencontainers.image.title=interlink-api org.opencontainers.image.revision=$rev" \
		-m "interlink-api $rev, binary and its shared libraries" \
		- "$tag" >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$tag")
echo "image: $tag, $((size / 1024)) KiB ($(docker image inspect -f '{{.Id}}' "$tag" | cut -c1-19))"
