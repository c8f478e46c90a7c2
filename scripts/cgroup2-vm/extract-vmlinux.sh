#!/bin/bash
# Writes the uncompressed ELF kernel inside a bzImage (a Debian vmlinuz) to OUT.
#   extract-vmlinux.sh VMLINUZ OUT
# Why: under QEMU's TCG emulation the kernel's own decompressor runs so slowly that booting the
# uncompressed vmlinux (through its PVH entry point) saves many seconds per boot.
# How: the bzImage payload is one compressed stream somewhere after the real-mode setup code. Look
# for each compression format's magic bytes, try to decompress from every hit, and keep the first
# output that is an ELF file (the same idea as the kernel tree's scripts/extract-vmlinux).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 VMLINUZ OUT" >&2
	exit 2
fi
in=$1
out=$2
[ -r "$in" ] || { echo "extract-vmlinux: cannot read $in" >&2; exit 1; }

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
chmod 0644 "$tmp" # mktemp makes it 0600; QEMU run by a non-root user must read it

is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

# An already uncompressed kernel needs no work.
if is_elf "$in"; then
	cat "$in" >"$tmp" && mv "$tmp" "$out"
	exit 0
fi

# magic (grep -P byte escapes) | decompressor reading stdin | tool that must exist
formats=(
	'\x1f\x8b\x08|gzip -dc|gzip'
	'\xfd\x37\x7a\x58\x5a\x00|xz -dc|xz'
	'\x28\xb5\x2f\xfd|zstd -dcq|zstd'
	'\x42\x5a\x68|bzip2 -dc|bzip2'
	'\x5d\x00\x00\x00|xz -dc --format=lzma|xz'
	'\x02\x21\x4c\x18|lz4 -dc|lz4'
)
tried=""
for f in "${formats[@]}"; do
	IFS='|' read -r magic cmd tool <<<"$f"
	command -v "$tool" >/dev/null 2>&1 || { tried="$tried $tool(missing)"; continue; }
	tried="$tried $tool"
	# -b prints byte offsets; -a/-U keep grep from treating the binary specially.
	while read -r off; do
		# Decompressors complain about the trailing non-compressed bytes; what they wrote is what counts.
		tail -c "+$((off + 1))" "$in" | $cmd >"$tmp" 2>/dev/null || true
		if [ -s "$tmp" ] && is_elf "$tmp"; then
			mv "$tmp" "$out"
			exit 0
		fi
	done < <(LC_ALL=C grep -obUaP "$magic" "$in" 2>/dev/null | cut -d: -f1)
done
echo "extract-vmlinux: no ELF kernel found in $in (tried:$tried)" >&2
exit 1
