#pragma once
// The stop budgets of a loaded config in words (README "Stop budgets"): each
// resource's budget and where it comes from, each group's budget (set, or the
// sum of its resources in stop order) and the worst-case failover it gives, plus
// warnings: an OCF agent whose meta-data advertises a longer stop than the budget
// the group gives it, and self_fence off. Shown by haclusterd --check-config and
// haclusterctl config check.
#include <string>

#include "daemon/config_loader.h"

namespace hacluster::daemon {

std::string explain_stop_budgets(const DaemonConfig& config);

}  // namespace hacluster::daemon
