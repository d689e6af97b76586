#!/usr/bin/env bash
# Builds the two base images the image test uses in place of the upstream ones, from Debian
# packages alone (no container registry is reachable on CI): a JDK image for the build stage and a
# JRE image for the runtime stage, both `mmdebstrap --variant=minbase bookworm`, `podman import`ed
# under localhost/ names so that nothing poses as an upstream tag. Skipped for an image that
# exists already. The machine's extra CA certificates (/usr/local/share/ca-certificates) go into
# the JDK image, so the Maven build inside it can download through this machine's TLS proxy.
#
# usage: base-images.sh JDK_TAG JRE_TAG
set -euo pipefail
jdk_tag=$1
jre_tag=$2

ca_hooks=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  ca_hooks=(--customize-hook='mkdir -p "$1/usr/local/share/ca-certificates"'
            --customize-hook='copy-in /usr/local/share/ca-certificates/. /usr/local/share/ca-certificates/'
            --customize-hook='chroot "$1" update-ca-certificates')
fi

build() {  # tag packages extra-hooks...
  local tag=$1 packages=$2
  shift 2
  if podman image exists "$tag"; then
    echo "base image $tag exists"
    return
  fi
  echo "building base image $tag (mmdebstrap --variant=minbase bookworm: $packages)"
  local tarball
  tarball=$(mktemp --suffix=.tar)
  # Documentation, man pages and apt lists are of no use in an image. (Man pages are removed
  # afterwards, not excluded: openjdk's postinst links its man pages with update-alternatives.)
  if ! mmdebstrap --quiet --variant=minbase --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
      "$@" \
      --customize-hook='rm -rf "$1"/usr/share/man/* "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
      bookworm "$tarball"; then
    rm -f "$tarball"
    echo "mmdebstrap failed for $tag" >&2
    return 1
  fi
  podman import --change 'CMD ["/bin/bash"]' "$tarball" "$tag" >/dev/null
  rm -f "$tarball"
}

build "$jdk_tag" openjdk-17-jdk-headless,ca-certificates,curl "${ca_hooks[@]}"
build "$jre_tag" openjdk-17-jre-headless
