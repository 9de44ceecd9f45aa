#include "daemon/hook_events.h"

#include "daemon/wall_time.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <limits>

#include "resources/script_class.h"

namespace hacluster::daemon {

std::string_view hook_event_name(agent::out::TransitionKind kind) {
    using K = agent::out::TransitionKind;
    switch (kind) {
        case K::quorum_won: return "quorum_gained";
        case K::starting: return "promoting";
        case K::started: return "promoted";
        case K::stopping: return "demoting";
        case K::stopped: return "demoted";
        // One name for a hook to watch; HACLUSTER_DETAIL keeps which failure it was.
        case K::start_failed:
        case K::failed:
        case K::stop_failed: return "failed";
        default: return agent::to_string(kind);
    }
}

std::vector<std::string> known_hook_events() {
    std::vector<std::string> names;
    // The kinds are numbered from 0 without gaps; to_string() says "unknown" past
    // the last one, so new kinds are listed without a change here.
    for (unsigned k = 0; k <= std::numeric_limits<std::uint8_t>::max(); ++k) {
        const auto kind = static_cast<agent::out::TransitionKind>(k);
        if (std::string_view(agent::to_string(kind)) == "unknown") break;
        names.emplace_back(hook_event_name(kind));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

namespace {
constexpr std::string_view event_variables[] = {
    "HACLUSTER_EVENT", "HACLUSTER_DETAIL", "HACLUSTER_NODE", "HACLUSTER_LOCAL_NODE", "HACLUSTER_CLUSTER",
    "HACLUSTER_GROUP", "HACLUSTER_TERM",   "HACLUSTER_REASON", "HACLUSTER_TIME",     "HACLUSTER_TIME_MS",
    "HACLUSTER_PREVIOUS_STATE", "HACLUSTER_SEQUENCE",
};
}  // namespace

bool is_event_variable(std::string_view name) {
    return std::find(std::begin(event_variables), std::end(event_variables), name) != std::end(event_variables);
}

HookEvent make_hook_event(const agent::out::Transition& t, const HookFacts& facts) {
    HookEvent e;
    e.name = hook_event_name(t.kind);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(facts.at.time_since_epoch()).count();
    // An environment string ends at a NUL: a reason cannot carry one into a hook.
    std::string reason = t.reason;
    std::replace(reason.begin(), reason.end(), '\0', ' ');
    e.env = {
        "HACLUSTER_EVENT=" + e.name,
        "HACLUSTER_DETAIL=" + std::string(agent::to_string(t.kind)),
        "HACLUSTER_NODE=" + facts.node,
        "HACLUSTER_LOCAL_NODE=" + facts.local_node,
        "HACLUSTER_CLUSTER=" + facts.cluster,
        "HACLUSTER_GROUP=" + facts.group,
        "HACLUSTER_TERM=" + std::to_string(t.term),
        "HACLUSTER_REASON=" + reason,
        "HACLUSTER_TIME=" + iso_time(facts.at),
        "HACLUSTER_TIME_MS=" + std::to_string(ms),
        "HACLUSTER_PREVIOUS_STATE=" + facts.previous_state,
        "HACLUSTER_SEQUENCE=" + std::to_string(facts.sequence),
        // The same search path resource scripts get (resources/CONTRACT.md).
        std::string("PATH=") + resources::script_path,
    };
    return e;
}

}  // namespace hacluster::daemon
