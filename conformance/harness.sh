#!/usr/bin/env bash
# The conformance run: the suite on a real 6.12 kernel in QEMU, the same
# suite on softvfio under `softvfio run`, and the comparison of the records.
#
#   harness.sh --softvfio BIN --suite BIN --suite-static BIN --compare BIN
#              --work DIR [--all] [--host-only]
#
# --all        print every row of the comparison, not only the exceptions
# --host-only  softvfio side only: every self-check must pass (sanitizers)
# Env: SOFTVFIO_CONF_TIMEOUT (180 s) bounds the boot; SOFTVFIO_CONF_KABI
#      overrides the pinned kernel (guest/build.sh).
# Exit status: 0 no unexplained difference, 1 a difference or failure,
# 77 (skip) when QEMU, busybox-static or the kernel package is unavailable.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
all="" host_only=0 softvfio="" suite="" suite_static="" compare="" work=""
while (($#)); do
	case $1 in
	--softvfio) softvfio=$2; shift ;;
	--suite) suite=$2; shift ;;
	--suite-static) suite_static=$2; shift ;;
	--compare) compare=$2; shift ;;
	--work) work=$2; shift ;;
	--all) all=--all ;;
	--host-only) host_only=1 ;;
	*) echo "harness: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[[ -n $softvfio && -n $suite && -n $compare && -n $work ]] || { echo "harness: missing arguments" >&2; exit 2; }
mkdir -p "$work"
skip() { echo "conformance: SKIPPED: $*" >&2; exit 77; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The softvfio side: the linux-6.12 profile for the comparison, then the
# DMABUF scenario under series-v4 (softvfio only). Devices get BDFs in
# softvfio's own domain; the suite finds them by vendor:device anyway. The
# nvme PF of the sriov scenario is conformance/nvme-sriov.toml (QEMU's nvme with
# sriov_max_vfs=4 as the guest has it), at the guest's slot.
nvme=$here/nvme-sriov.toml
run_host() {
	local t0 rc=0
	t0=$(now)
	"$softvfio" run --device ivshmem-plain@5f00:00:01.0 --device edu@5f00:00:02.0 \
		--device "$nvme@5f00:00:04.0" --profile linux-6.12 \
		-- "$suite" >"$work/softvfio.jsonl" 2>"$work/softvfio.log" || rc=1
	"$softvfio" run --device ivshmem-plain@5f00:00:01.0 --device edu@5f00:00:02.0 --profile series-v4 \
		-- "$suite" --dmabuf >"$work/softvfio-dmabuf.jsonl" 2>>"$work/softvfio.log" || rc=1
	echo "conformance: softvfio side $(elapsed "$t0") s" >&2
	if ((rc)); then
		echo "conformance: the suite failed under softvfio run (log: $work/softvfio.log)" >&2
		tail -n 20 "$work/softvfio.log" >&2
	fi
	return $rc
}

if ((host_only)); then
	# In a sanitizer build the shim must first be able to start anything at
	# all; if it cannot, that is the shim's defect (reported by its own
	# tests), not a conformance result.
	"$softvfio" run --device edu -- true >/dev/null 2>&1 ||
		skip "softvfio run cannot start /bin/true in this build (a shim defect, see its tests)"
	run_host || exit 1
	grep -h '"check:' "$work/softvfio.jsonl" "$work/softvfio-dmabuf.jsonl" | grep -v '"pass"' && exit 1
	echo "conformance: softvfio side passed its self-checks" \
		"($(cat "$work/softvfio.jsonl" "$work/softvfio-dmabuf.jsonl" | wc -l) records)"
	exit 0
fi

# The kernel side: build the guest (the kernel package is cached), boot it,
# and take the framed record off the serial console.
for tool in qemu-system-x86_64 busybox cpio dpkg-deb apt-get xz gzip; do
	command -v "$tool" >/dev/null || skip "$tool not installed (scripts/bootstrap.sh --with conformance)"
done
# the guest has no C library: busybox must be the static build
! ldd "$(command -v busybox)" >/dev/null 2>&1 || skip "busybox is dynamically linked (install busybox-static)"
t0=$(now)
"$here/guest/build.sh" "$suite_static" "$work/guest" >"$work/guest-build.log" 2>&1 ||
	{ cat "$work/guest-build.log" >&2; skip "cannot build the guest (kernel package unavailable?)"; }
echo "conformance: guest built in $(elapsed "$t0") s" >&2
t0=$(now)
"$here/guest/boot.sh" "$work/guest/vmlinuz" "$work/guest/initramfs.cpio.gz" "$work/console.log"
qrc=$?
echo "conformance: guest boot + suite + poweroff $(elapsed "$t0") s (QEMU exit $qrc)" >&2
tr -d '\r' <"$work/console.log" | grep '^GUEST:' >&2
tr -d '\r' <"$work/console.log" | sed -n 's/^CONF|//p' >"$work/kernel.jsonl"
lines=$(wc -l <"$work/kernel.jsonl")
end=$(tr -d '\r' <"$work/console.log" | sed -n 's/^CONF-END|//p')
if ((qrc != 0)) || [[ -z $end || $end != "$lines" ]]; then
	echo "conformance: incomplete kernel record ($lines lines, trailer '${end}'); console:" >&2
	tail -n 30 "$work/console.log" >&2
	exit 1
fi

run_host
host_rc=$?
"$compare" $all "$work/kernel.jsonl" "$work/softvfio.jsonl" "$here/allowlist.txt" "$work/softvfio-dmabuf.jsonl"
crc=$?
((host_rc == 0 && crc == 0))
