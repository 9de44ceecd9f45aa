#include "agent/group_relations.h"

#include "agent/assert.h"

namespace hacluster::agent {

GroupRelations relate_groups(const ClusterConfig& config) {
    const std::size_t count = config.groups.size();
    GroupRelations r;
    r.with.resize(count);
    r.away.resize(count);
    r.after.resize(count);
    r.followers.resize(count);
    const auto id = [&](const std::string& name) {
        const std::size_t g = config.group_index(name);
        HA_ASSERT(g < count);
        return static_cast<GroupId>(g);
    };
    const auto add_once = [](std::vector<GroupId>& list, GroupId g) {
        for (GroupId x : list) {
            if (x == g) return;
        }
        list.push_back(g);
    };
    for (GroupId g = 0; g < count; ++g) {
        const GroupConfig& group = config.groups[g];
        for (const std::string& name : group.with) add_once(r.with[g], id(name));
        for (const std::string& name : group.away_from) {
            add_once(r.away[g], id(name));
            add_once(r.away[id(name)], g);
        }
        for (const std::string& name : group.after) {
            add_once(r.after[g], id(name));
            add_once(r.followers[id(name)], g);
        }
    }
    // Kahn's algorithm, lowest id first among the ready ones: the order is the
    // config order wherever no relation says otherwise.
    std::vector<std::size_t> waiting(count, 0);
    std::vector<std::vector<GroupId>> dependents(count);
    for (GroupId g = 0; g < count; ++g) {
        for (const auto* list : {&r.with[g], &r.after[g]}) {
            for (GroupId d : *list) {
                bool seen = false;
                for (GroupId x : dependents[d]) seen = seen || x == g;
                if (seen) continue;
                dependents[d].push_back(g);
                ++waiting[g];
            }
        }
    }
    std::vector<bool> placed(count, false);
    r.rank.assign(count, 0);
    for (std::size_t round = 0; round < count; ++round) {
        GroupId next = static_cast<GroupId>(count);
        for (GroupId g = 0; g < count; ++g) {
            if (!placed[g] && waiting[g] == 0) {
                next = g;
                break;
            }
        }
        HA_ASSERT(next < count);  // validate() rejects cycles
        placed[next] = true;
        r.rank[next] = r.order.size();
        r.order.push_back(next);
        for (GroupId d : dependents[next]) --waiting[d];
    }
    return r;
}

}  // namespace hacluster::agent
