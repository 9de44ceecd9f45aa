#include "daemon/fence_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "daemon/wall_time.h"

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> logger() {
    auto l = spdlog::get("main");
    return l ? l : spdlog::default_logger();
}

bool covers(const agent::FenceDevice& device, const std::string& node) {
    return device.nodes.empty() ||
           std::find(device.nodes.begin(), device.nodes.end(), node) != device.nodes.end();
}

// One line for the log and the status: how the agent ended and what it said.
std::string describe(const resources::ProcessResult& r) {
    std::string text;
    if (r.status == agent::ExecStatus::done) {
        text = "exit " + std::to_string(r.exit_code);
    } else {
        text = agent::to_string(r.status);
        if (r.term_signal != 0) text += " signal " + std::to_string(r.term_signal);
    }
    std::string output = r.output;
    std::replace(output.begin(), output.end(), '\n', ' ');
    while (!output.empty() && output.back() == ' ') output.pop_back();
    // The status line stays short; the log has the whole bounded output.
    constexpr std::size_t shown = 200;
    if (output.size() > shown) output = output.substr(0, shown) + "...";
    if (!output.empty()) text += ": " + output;
    return text;
}

}  // namespace

std::string fence_input(const agent::FenceDevice& device, agent::FenceAction action, const std::string& node) {
    const auto mapped = device.host_map.find(node);
    const std::string plug = mapped != device.host_map.end() ? mapped->second : node;
    // plug= for current agents, port= for older ones (both accepted by fencing.py);
    // nodename= is what fence_dummy-style agents and hooks log.
    std::string text = "action=" + std::string(agent::to_string(action)) + "\nplug=" + plug +
                       "\nport=" + plug + "\nnodename=" + node + "\n";
    for (const auto& [key, value] : device.params) text += key + "=" + value + "\n";
    return text;
}

std::filesystem::path fence_program(const agent::FenceDevice& device, const std::filesystem::path& agent_dir) {
    if (!device.agent.empty() && device.agent.front() == '/') return device.agent;
    return agent_dir / device.agent;
}

struct FenceRunner::Attempt {
    agent::out::Fence fence;
    std::string node;
    Done done;
    std::size_t next_device = 0;
    std::vector<std::string> failures;  // "device: how", in order
};

FenceRunner::FenceRunner(uv_loop_t* loop, const agent::ClusterConfig& config, std::filesystem::path agent_dir)
    : config_(config), agent_dir_(std::move(agent_dir)), runner_(loop) {
    records_.resize(config_.nodes.size());
}

FenceRunner::~FenceRunner() = default;

void FenceRunner::run(const agent::out::Fence& fence, Done done) {
    auto attempt = std::make_shared<Attempt>();
    attempt->fence = fence;
    attempt->node = fence.node < config_.nodes.size() ? config_.nodes[fence.node].name : std::string("?");
    attempt->done = std::move(done);
    if (fence.node < records_.size()) {
        Record& r = records_[fence.node];
        r.node = attempt->node;
        r.started = iso_time(std::chrono::system_clock::now());
        r.finished.clear();
        r.result = "running";
        r.message.clear();
        ++r.attempts;
    }
    try_device(std::move(attempt));
}

void FenceRunner::try_device(std::shared_ptr<Attempt> attempt) {
    const auto& devices = config_.fencing.devices;
    while (attempt->next_device < devices.size() && !covers(devices[attempt->next_device], attempt->node)) {
        ++attempt->next_device;
    }
    auto finish = [this, attempt](bool ok, const std::string& device, std::string message) {
        if (attempt->fence.node < records_.size()) {
            Record& r = records_[attempt->fence.node];
            r.finished = iso_time(std::chrono::system_clock::now());
            r.device = device;
            r.result = ok ? "ok" : "failed";
            r.message = message;
        }
        attempt->done(agent::in::FenceDone{attempt->fence.op, ok, std::move(message)});
    };
    if (attempt->next_device >= devices.size()) {
        std::string message;
        for (const std::string& f : attempt->failures) message += (message.empty() ? "" : "; ") + f;
        if (message.empty()) message = "no fence device covers " + attempt->node;
        // From the loop, like every result (the core is never re-entered).
        runner_.defer([finish, message] { finish(false, "", message); });
        return;
    }
    const agent::FenceDevice& device = devices[attempt->next_device++];
    resources::ProcessSpec spec;
    spec.argv = {fence_program(device, agent_dir_).string()};
    spec.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"};
    spec.timeout = config_.fencing.timeout;
    spec.input = fence_input(device, config_.fencing.action, attempt->node);
    const std::string name = device.name;
    logger()->warn("fencing {} with {} | agent={} action={} incarnation={}", attempt->node, name, spec.argv[0],
                   agent::to_string(config_.fencing.action), attempt->fence.incarnation);
    runner_.run(std::move(spec), [this, attempt, name, finish](resources::ProcessId,
                                                               resources::ProcessResult result) {
        const bool ok = result.status == agent::ExecStatus::done && result.exit_code == 0;
        const std::string how = describe(result);
        if (ok) {
            logger()->warn("fenced {} with {} | took_ms={} output={}", attempt->node, name,
                           agent::to_ms(result.duration), result.output);
            finish(true, name, name + ": off");
            return;
        }
        logger()->error("fence device {} failed for {} | {} took_ms={}", name, attempt->node, how,
                        agent::to_ms(result.duration));
        attempt->failures.push_back(name + ": " + how);
        try_device(attempt);
    });
}

nlohmann::json FenceRunner::status() const {
    nlohmann::json out = nlohmann::json::object();
    for (const Record& r : records_) {
        if (r.attempts == 0) continue;
        out[r.node] = {{"started", r.started},   {"finished", r.finished}, {"device", r.device},
                       {"result", r.result},     {"message", r.message},   {"attempts", r.attempts}};
    }
    return out;
}

}  // namespace hacluster::daemon
