#!/usr/bin/env bash
# Builds the Debian package: OUTDIR/hacluster_<version>_<arch>.deb (packaging/README.md).
#   scripts/package.sh OUTDIR              # a release build of its own in build-pkg/
#   scripts/package.sh OUTDIR BUILD_DIR    # package an existing build (CI reuses build/)
# A build of its own uses Debian's hardening flags (dpkg-buildflags) and builds no
# tests; an existing build dir is reconfigured to the prefix /usr if needed (only
# the files that embed the prefix rebuild). Prints the package's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: scripts/package.sh OUTDIR [BUILD_DIR]}
build=${2:-}
for tool in cpack dpkg-shlibdeps dpkg-deb gzip; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "$build" ]; then
  build="$root/build-pkg"
  if [ ! -f "$build/CMakeCache.txt" ]; then
    # Debian's hardening and optimisation flags, as a debian/rules build with
    # hardening=+all gets them (fortify, stack protector, relro, bindnow).
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
    CXXFLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)" \
      LDFLAGS=$(dpkg-buildflags --get LDFLAGS) \
      cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
  fi
fi
[ -f "$build/CMakeCache.txt" ] || { echo "package.sh: $build is not a CMake build directory" >&2; exit 1; }
if ! grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$build/CMakeCache.txt"; then
  cmake -DCMAKE_INSTALL_PREFIX=/usr "$build" >/dev/null
fi
cmake --build "$build" --target haclusterd haclusterctl hacluster_packaging_files -j "$(nproc)" >/dev/null
rm -f "$build"/package/hacluster_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/package/hacluster_*.deb)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
