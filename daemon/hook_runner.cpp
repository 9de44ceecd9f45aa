#include "daemon/hook_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <utility>

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> logger() {
    auto l = spdlog::get("res");
    return l ? l : spdlog::default_logger();
}

std::string_view sequence_of(const HookEvent& event) {
    for (const std::string& kv : event.env) {
        if (kv.starts_with("HACLUSTER_SEQUENCE=")) return std::string_view(kv).substr(19);
    }
    return "";
}

}  // namespace

HookRunner::HookRunner(uv_loop_t* loop, std::vector<HookConfig> hooks, HookRunnerOptions options)
    : options_(options), runner_(loop) {
    for (HookConfig& config : hooks) {
        auto hook = std::make_shared<Hook>();
        hook->config = std::move(config);
        hooks_.push_back(std::move(hook));
    }
}

HookRunner::~HookRunner() = default;

void HookRunner::notify(const HookEvent& event) {
    for (const std::shared_ptr<Hook>& hook : hooks_) {
        if (!hook->config.wants(event.name)) continue;
        if (hook->queue.size() >= options_.queue_limit && !hook->queue.empty()) {
            hook->queue.pop_front();
            ++hook->dropped;
            // Once per power of two: a stuck hook under a storm of events must not
            // turn into a storm of log lines, and the count still shows.
            if (std::has_single_bit(hook->dropped)) {
                logger()->warn("hook {} is behind: dropped its oldest event | dropped={} queue_limit={}",
                               hook->config.path, hook->dropped, options_.queue_limit);
            }
        }
        hook->queue.push_back(event);
        if (!hook->running) {
            hook->running = true;
            // Started from the loop, after the step that produced the event is done:
            // spawning never delays the core or the scripts of a failover.
            runner_.defer([this, hook] { start_next(hook); });
        }
    }
}

void HookRunner::start_next(std::shared_ptr<Hook> hook) {
    if (hook->retired || hook->queue.empty()) {
        hook->running = false;
        std::erase(retired_, hook);
        return;
    }
    HookEvent event = std::move(hook->queue.front());
    hook->queue.pop_front();
    resources::ProcessSpec spec;
    spec.argv = {hook->config.path};
    spec.env = event.env;
    for (const auto& [name, value] : hook->config.env) {
        std::string entry = name + "=" + value;
        auto same = std::find_if(spec.env.begin(), spec.env.end(),
                                 [&](const std::string& kv) { return kv.starts_with(name + "="); });
        if (same != spec.env.end()) {
            *same = std::move(entry);  // PATH: the configured one wins
        } else {
            spec.env.push_back(std::move(entry));
        }
    }
    spec.timeout = hook->config.timeout;
    spec.kill_grace = options_.kill_grace;
    runner_.run(std::move(spec), [this, hook, event = std::move(event)](resources::ProcessId,
                                                                        resources::ProcessResult result) {
        finished(hook, event, result);
    });
}

void HookRunner::finished(const std::shared_ptr<Hook>& hook, const HookEvent& event,
                          const resources::ProcessResult& result) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(result.duration).count();
    if (result.status == agent::ExecStatus::done && result.exit_code == 0) {
        logger()->debug("hook {} ran {} | sequence={} duration_ms={}", hook->config.path, event.name,
                        sequence_of(event), ms);
    } else if (result.status == agent::ExecStatus::timed_out) {
        logger()->warn("hook {} timed out on {}: its process group was killed | sequence={} timeout_ms={} output={}",
                       hook->config.path, event.name, sequence_of(event),
                       std::chrono::duration_cast<std::chrono::milliseconds>(hook->config.timeout).count(),
                       result.output);
    } else {
        logger()->warn("hook {} failed on {} | sequence={} status={} exit={} signal={} output={}", hook->config.path,
                       event.name, sequence_of(event), agent::to_string(result.status), result.exit_code,
                       result.term_signal, result.output);
    }
    start_next(hook);
}

void HookRunner::replace(std::vector<HookConfig> hooks) {
    std::vector<std::shared_ptr<Hook>> next;
    for (HookConfig& config : hooks) {
        auto same = std::find_if(hooks_.begin(), hooks_.end(),
                                 [&](const std::shared_ptr<Hook>& h) { return h && h->config == config; });
        if (same != hooks_.end()) {
            next.push_back(std::move(*same));
        } else {
            auto hook = std::make_shared<Hook>();
            hook->config = std::move(config);
            next.push_back(std::move(hook));
        }
    }
    for (std::shared_ptr<Hook>& old : hooks_) {
        if (!old) continue;
        old->retired = true;
        if (!old->queue.empty()) {
            logger()->info("hook {} removed by a reload: {} queued events dropped", old->config.path,
                           old->queue.size());
            old->queue.clear();
        }
        if (old->running) retired_.push_back(std::move(old));
    }
    hooks_ = std::move(next);
}

std::size_t HookRunner::queued(std::size_t hook) const {
    return hook < hooks_.size() ? hooks_[hook]->queue.size() : 0;
}

std::uint64_t HookRunner::dropped(std::size_t hook) const {
    return hook < hooks_.size() ? hooks_[hook]->dropped : 0;
}

bool HookRunner::idle() const {
    return std::none_of(hooks_.begin(), hooks_.end(), [](const std::shared_ptr<Hook>& h) { return h->running; }) &&
           retired_.empty();
}

}  // namespace hacluster::daemon
