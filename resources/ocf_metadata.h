#pragma once
// An OCF agent's `meta-data`: the XML it prints, read for what the daemon and
// `haclusterctl agent info` use (the parameters, the actions' default timeouts and
// intervals), and the synchronous run that gets it. The parser is small and
// tolerant: it reads the tags it knows wherever they are, skips everything else
// (comments, declarations, unknown elements, stray text), and is bounded in the
// input it reads and the entries it keeps.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "resources/ocf_class.h"
#include "resources/script_class.h"

namespace hacluster::resources {

struct OcfParameter {
    std::string name;
    bool required = false;
    bool unique = false;
    std::string shortdesc;
    std::string type;           // <content type=...>: string, integer, boolean, ...
    std::string default_value;  // <content default=...>; empty when none
};

struct OcfActionInfo {
    std::string name;  // start, stop, monitor, meta-data, ...
    std::optional<std::chrono::nanoseconds> timeout;
    std::optional<std::chrono::nanoseconds> interval;
    std::string depth;
    std::string role;  // a monitor per role (Promoted, Unpromoted) on promotable agents
};

struct OcfMetadata {
    std::string name;       // <resource-agent name=...>
    std::string version;    // <version>, else the version= attribute
    std::string shortdesc;  // the agent's own, not a parameter's
    std::vector<OcfParameter> parameters;
    std::vector<OcfActionInfo> actions;

    const OcfActionInfo* action(std::string_view name) const;  // the first without a role
};

// A real agent's meta-data is a few to a few tens of kilobytes.
inline constexpr std::size_t max_metadata_bytes = 256 * 1024;
inline constexpr std::size_t max_metadata_entries = 1000;  // parameters, actions each

// "20s", "20" (seconds, as Pacemaker reads it), "100ms", "2m"/"2min", "1h"; nullopt
// for anything else.
std::optional<std::chrono::nanoseconds> parse_ocf_duration(std::string_view text);

// The metadata, or why the text is not an agent's meta-data (no <resource-agent>).
std::variant<OcfMetadata, std::string> parse_ocf_metadata(std::string_view xml);

// How long a meta-data run may take: agents print a constant text.
inline constexpr std::chrono::seconds metadata_timeout{10};

// Runs `AGENT meta-data` (the OCF environment without a resource) on a private
// loop, waits for it (at most metadata_timeout) and parses the output. Errors name
// the agent's path.
std::variant<OcfMetadata, std::string> read_ocf_metadata(const OcfAgent& agent, const ScriptDirs& dirs);

}  // namespace hacluster::resources
