#!/usr/bin/env bash
# agent/ must stay pure (docs/design.md §1): no libuv, no logging library, no sockets,
# no threads, no clock reads, no OS randomness. Time and randomness are inputs.
set -euo pipefail
dir=${1:?usage: agent_purity.sh AGENT_DIR}
pattern='#include *[<"](uv\.h|spdlog/|thread>|mutex>|future>|sys/socket\.h|netinet/|arpa/|unistd\.h|sodium|openssl/)|steady_clock::now|system_clock::now|high_resolution_clock::now|random_device|std::rand\(|[^_a-z]time\(nullptr\)'
if hits=$(grep -rEn "$pattern" "$dir" --include='*.h' --include='*.cpp'); then
  echo "agent purity violated (what: forbidden include or call; where: file:line):"
  echo "$hits"
  exit 1
fi
count=$(find "$dir" -name '*.cpp' -o -name '*.h' | wc -l)
if [ "$count" -eq 0 ]; then
  echo "agent purity: no sources found under $dir"; exit 1
fi
echo "agent purity: $count files clean"
