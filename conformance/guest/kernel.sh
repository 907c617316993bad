#!/usr/bin/env bash
# Fetches the pinned stock Debian 6.12 kernel package (cloud-amd64, unsigned)
# and extracts it once. Shared by the conformance guest (build.sh) and the
# third-party QEMU guest (tests/third_party/qemu_guest.sh).
#
#   kernel.sh        prints KDIR=<extracted package> and KREL=<release>
#
# Downloads and the extracted kernel are cached under
# ${XDG_CACHE_HOME:-~/.cache}/softvfio/conformance.
# Needs: apt-get (bookworm-security in the sources), dpkg-deb.
set -euo pipefail

# Pinned: older point releases drop out of the archive, so bump it together
# with the allow-list when the archive moves on.
kabi=${SOFTVFIO_CONF_KABI:-6.12.117+deb12}
flavour=cloud-amd64
krel=$kabi-$flavour
pkg=linux-image-$krel-unsigned
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/softvfio/conformance

mkdir -p "$cache/debs"
if ! compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null; then
	echo "conformance: downloading $pkg" >&2
	(cd "$cache/debs" && apt-get download "$pkg" 2>&1 | grep -v "unsandboxed" >&2 || true)
	compgen -G "$cache/debs/${pkg}_*.deb" >/dev/null || {
		echo "conformance: cannot download $pkg (is bookworm-security in the apt sources?)" >&2
		exit 1
	}
fi
kdir=$cache/k-$krel
if [[ ! -e $kdir/boot/vmlinuz-$krel ]]; then
	rm -rf "$kdir.tmp"
	dpkg-deb -x "$cache"/debs/"${pkg}"_*.deb "$kdir.tmp"
	rm -rf "$kdir"
	mv "$kdir.tmp" "$kdir"
fi
echo "KDIR=$kdir"
echo "KREL=$krel"
