#!/bin/sh
# build-initramfs.sh — the initramfs of the netem guest test
# (tests/sys_netem_guest.c): a Debian cloud kernel booted under QEMU has the
# sch_netem this host's kernel lacks, and runs the host's own test runner.
#
# Usage: build-initramfs.sh OUT.cpio.gz RUNNER KVER [ENOS]
#   RUNNER  the check-all binary to run inside (copied with its libraries)
#   KVER    the guest kernel's version: modules come from /lib/modules/KVER
#   ENOS    the enos binary, copied to /enos/enos with its libraries, for
#           the suites that drive the command line (sys_trace's netem case)
#
# The image holds busybox-static as the shell and tools, RUNNER and every
# library ldd lists for it and for the host's ip and tc, netem's delay
# distribution tables, the modules sch_netem, sch_htb, cls_u32, veth and
# bridge with their dependencies (from modules.dep, dependencies first),
# and tests/guest/init as /init.
set -eu

if [ $# -ne 3 ] && [ $# -ne 4 ]; then
	echo "usage: build-initramfs.sh OUT.cpio.gz RUNNER KVER [ENOS]" >&2
	exit 2
fi
out=$1
runner=$2
kver=$3
enos=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
moddir=/lib/modules/$kver
modules="sch_netem sch_htb cls_u32 veth bridge"

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "busybox not found (apt-get install busybox-static)" >&2; exit 1; }
[ -f "$moddir/modules.dep" ] || { echo "$moddir/modules.dep not found" >&2; exit 1; }
[ -x "$runner" ] || { echo "$runner is not executable" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/enos-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp" \
	"$root/etc" "$root/enos" "$root/lib/modules/$kver" "$root/var/lib"

# busybox-static as /bin/sh and its applets; host binaries come after, so
# the host's ip and tc win over busybox's (which lack veth and netem).
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Copy FILE to the same path inside the image, following symlinks.
copy_file() {
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}

# Copy every shared library BINARY needs (ldd), and the loader.
copy_libs() {
	ldd "$1" | while read -r a b c _; do
		case $a in
		/*) copy_file "$a" ;;
		*) if [ "$b" = "=>" ] && [ -n "$c" ] && [ -e "$c" ]; then
			copy_file "$c"
		   fi ;;
		esac
	done
}

cp -L "$runner" "$root/enos/check-all"
copy_libs "$runner"
if [ -n "$enos" ]; then
	cp -L "$enos" "$root/enos/enos"
	copy_libs "$enos"
fi
for tool in ip tc; do
	path=$(command -v "$tool" || true)
	if [ -n "$path" ]; then
		rm -f "$root/bin/$tool"
		cp -L "$path" "$root/bin/$tool"
		copy_libs "$path"
	fi
done

# netem's delay distribution tables, where the host's tc finds them.
for dir in /usr/lib/x86_64-linux-gnu/tc /usr/lib/tc /usr/lib64/tc; do
	for dist in "$dir"/*.dist; do
		[ -f "$dist" ] && copy_file "$dist"
	done
done

# Modules in load order: each one's dependencies (as modules.dep lists
# them, deepest last) before itself, every module once.
order=
add_module() {
	case " $order " in
	*" $1 "*) return 0 ;;
	esac
	order="$order $1"
}
for name in $modules; do
	line=$(grep -E "(^|/)$name\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || true)
	if [ -z "$line" ]; then
		echo "module $name not in $moddir/modules.dep" >&2
		exit 1
	fi
	path=${line%%:*}
	deps=${line#*:}
	rev=
	for d in $deps; do
		rev="$d $rev"
	done
	for d in $rev; do
		add_module "$d"
	done
	add_module "$path"
done
: > "$root/etc/enos-modules"
for path in $order; do
	mkdir -p "$root/lib/modules/$kver/$(dirname "$path")"
	case $path in
	*.xz) xz -dc "$moddir/$path" > "$root/lib/modules/$kver/${path%.xz}"
	      path=${path%.xz} ;;
	*.zst) zstd -qdc "$moddir/$path" > "$root/lib/modules/$kver/${path%.zst}"
	       path=${path%.zst} ;;
	*.gz) gzip -dc "$moddir/$path" > "$root/lib/modules/$kver/${path%.gz}"
	      path=${path%.gz} ;;
	*) cp "$moddir/$path" "$root/lib/modules/$kver/$path" ;;
	esac
	echo "/lib/modules/$kver/$path" >> "$root/etc/enos-modules"
done

cp "$here/init" "$root/init"
cp "$here/lsan.supp" "$root/enos/lsan.supp"
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
