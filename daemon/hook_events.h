#pragma once
// What a notify hook is told (README "Notify hooks"): the event name for each of
// the core's transitions, and the environment of one hook run. Kept apart from
// the runner so that the config loader can check event names against the same
// list the daemon emits.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/io.h"

namespace hacluster::daemon {

// The hook event a transition becomes. Kinds whose name reads wrong to an
// operator are renamed (started -> promoted, the three failures -> failed); every
// other kind keeps its to_string() name, so kinds added to the core later reach
// hooks without a change here.
std::string_view hook_event_name(agent::out::TransitionKind kind);

// Every event name a hook may receive, sorted, without repeats (for the config's
// "events" filter and its error message).
std::vector<std::string> known_hook_events();

// What the shell knows about a transition beyond the transition itself.
struct HookFacts {
    std::string cluster;
    std::string local_node;     // the node running the hook
    std::string node;           // the node the event is about
    std::string group;          // empty for node events
    std::string previous_state; // see README "Notify hooks"; may be empty
    std::chrono::system_clock::time_point at;  // wall clock at the event
    std::uint64_t sequence = 0;  // per-daemon counter of transitions
};

struct HookEvent {
    std::string name;              // HACLUSTER_EVENT
    std::vector<std::string> env;  // "K=V", the whole environment of a run
};

// True for the variables make_hook_event sets (HACLUSTER_EVENT, ...): a hook's
// configured env must not override what the event says.
bool is_event_variable(std::string_view name);

HookEvent make_hook_event(const agent::out::Transition& t, const HookFacts& facts);

}  // namespace hacluster::daemon
