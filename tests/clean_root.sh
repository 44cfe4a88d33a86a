# shellcheck shell=bash
# clean_root.sh - minimal Debian 12 roots for the install tests (source it):
# `debootstrap --variant=minbase bookworm` from the package source apt on
# this machine uses, cached between runs, and fresh copies of it to chroot
# into, so nothing of this machine's installed packages is visible inside.
#
#   clean_root_mirror              the URI of the first `deb` source for suite
#                                  bookworm in /etc/apt/sources.list and
#                                  /etc/apt/sources.list.d/*.{list,sources}
#   clean_root_base                prints the cached root's path, making it
#                                  first when missing, older than
#                                  CLEAN_ROOT_MAX_AGE_DAYS (7: the mirror
#                                  moves on) or from another mirror; under a
#                                  flock, so concurrent tests share one
#   clean_root_copy DIR            a fresh copy of the cached root at DIR
#   clean_root_mount ROOT          mounts /proc, /dev, /sys and the cache's
#                                  apt archives (packages the roots
#                                  downloaded before: no second download)
#                                  into ROOT, recording each mount
#   clean_root_umount              unmounts every recorded mount (lazily when
#                                  busy); returns 1 when one is left
#   clean_root_rm DIR              rm -rf DIR, but only when nothing is
#                                  mounted under it (a bind-mounted /dev
#                                  would lose the host's device nodes)
#   in_root ROOT CMD...            CMD in a chroot of ROOT, with a clean
#                                  environment (no variable of the caller's)
#
# The cache is CLEAN_ROOT_CACHE (default /var/cache/dockward-tests/clean-root),
# owned by these tests: base/ (the root), base.stamp (mirror and date),
# archives/ (downloaded .debs), lock. Needs root, debootstrap.

CLEAN_ROOT_CACHE=${CLEAN_ROOT_CACHE:-/var/cache/dockward-tests/clean-root}
CLEAN_ROOT_SUITE=bookworm
CLEAN_ROOT_MAX_AGE_DAYS=${CLEAN_ROOT_MAX_AGE_DAYS:-7}
clean_root_mounts=()

clean_root_mirror() {
    local f files=()
    local apt=${CLEAN_ROOT_APT_DIR:-/etc/apt}
    for f in "$apt/sources.list" "$apt"/sources.list.d/*.list "$apt"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ ${#files[@]} -gt 0 ] || return 1
    # One-line format ("deb [opts] URI SUITE COMPONENTS...") and deb822
    # stanzas (Types/URIs/Suites, blank-line separated).
    awk -v suite="$CLEAN_ROOT_SUITE" '
        function flush() {
            if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "" && !found) {
                split(uris, u, " "); print u[1]; found = 1
            }
            types = uris = suites = ""
        }
        FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
        /^[[:space:]]*#/ { next }
        !deb822 {
            if ($1 != "deb") next
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite && !found) { print $i; found = 1 }
            next
        }
        /^[[:space:]]*$/ { flush(); next }
        tolower($1) == "types:" { types = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", types) }
        tolower($1) == "uris:" { uris = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", uris) }
        tolower($1) == "suites:" { suites = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", suites) }
        END { flush(); exit !found }
    ' "${files[@]}"
}

clean_root_base() {
    local mirror stamp want age lockfd
    mirror=$(clean_root_mirror) ||
        { echo "clean_root: no deb source for $CLEAN_ROOT_SUITE in /etc/apt" >&2; return 1; }
    mkdir -p "$CLEAN_ROOT_CACHE/archives/partial"
    exec {lockfd}>"$CLEAN_ROOT_CACHE/lock"
    flock "$lockfd"
    want="debootstrap --variant=minbase $CLEAN_ROOT_SUITE $mirror"
    stamp="$CLEAN_ROOT_CACHE/base.stamp"
    age=$(((CLEAN_ROOT_MAX_AGE_DAYS + 1) * 86400))
    [ -f "$stamp" ] && age=$(($(date +%s) - $(stat -c %Y "$stamp")))
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
        [ "$age" -gt $((CLEAN_ROOT_MAX_AGE_DAYS * 86400)) ]; then
        echo "# clean_root: $want (cache: $CLEAN_ROOT_CACHE)" >&2
        rm -f "$stamp"
        rm -rf "$CLEAN_ROOT_CACHE/base" "$CLEAN_ROOT_CACHE/base.new"
        if ! debootstrap --variant=minbase "$CLEAN_ROOT_SUITE" "$CLEAN_ROOT_CACHE/base.new" "$mirror" \
            >"$CLEAN_ROOT_CACHE/debootstrap.log" 2>&1; then
            echo "clean_root: debootstrap failed; tail of its log:" >&2
            tail -n 20 "$CLEAN_ROOT_CACHE/debootstrap.log" >&2
            exec {lockfd}>&-
            return 1
        fi
        # debootstrap copied this machine's name and resolver; the copies
        # get their own name, the resolver is what reaches the mirror.
        echo dockward-clean-root >"$CLEAN_ROOT_CACHE/base.new/etc/hostname"
        mv "$CLEAN_ROOT_CACHE/base.new" "$CLEAN_ROOT_CACHE/base"
        echo "$want" >"$stamp"
    fi
    exec {lockfd}>&-
    echo "$CLEAN_ROOT_CACHE/base"
}

clean_root_copy() {
    local base
    base=$(clean_root_base) || return 1
    mkdir -p "$1"
    cp -a "$base/." "$1/"
    cp /etc/resolv.conf "$1/etc/resolv.conf"
}

clean_root_mount() {
    local root=$1
    mount -t proc proc "$root/proc" && clean_root_mounts+=("$root/proc") || return 1
    mount --bind /dev "$root/dev" && clean_root_mounts+=("$root/dev") || return 1
    mount --bind /sys "$root/sys" && clean_root_mounts+=("$root/sys") || return 1
    mount --bind "$CLEAN_ROOT_CACHE/archives" "$root/var/cache/apt/archives" &&
        clean_root_mounts+=("$root/var/cache/apt/archives") || return 1
}

clean_root_umount() {
    local i m left=0
    for ((i = ${#clean_root_mounts[@]} - 1; i >= 0; i--)); do
        m=${clean_root_mounts[i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || { echo "clean_root: cannot unmount $m" >&2; left=1; }
    done
    clean_root_mounts=()
    return $left
}

clean_root_rm() {
    local dir
    dir=$(realpath -m "$1")
    [ -e "$dir" ] || return 0
    if awk -v d="$dir/" 'index($5 "/", d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        echo "clean_root: something is still mounted under $dir; not removing it" >&2
        return 1
    fi
    rm -rf "$dir"
}

in_root() {
    local root=$1
    shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C \
        DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}
