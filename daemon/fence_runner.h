#pragma once
// Runs the config's fence devices for the core's out::Fence (docs/design.md §4.7)
// and answers with in::FenceDone. The agent contract is Debian's fence-agents
// (resources/CONTRACT.md "Fence agents"): the program gets `key=value` lines on
// stdin (action, plug, port, nodename, then every param), exit 0 means the node
// is off. Devices that cover the node are tried in order until one succeeds.
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/io.h"
#include "resources/process_runner.h"

namespace hacluster::daemon {

// Where a fence agent given by name is looked for (Debian's fence-agents install there).
inline const std::filesystem::path fence_agent_dir = "/usr/sbin";

// The stdin text for one device and target (exposed for tests).
std::string fence_input(const agent::FenceDevice& device, agent::FenceAction action, const std::string& node);
// The program to run: an absolute agent as is, a name under agent_dir.
std::filesystem::path fence_program(const agent::FenceDevice& device, const std::filesystem::path& agent_dir);

class FenceRunner {
public:
    FenceRunner(uv_loop_t* loop, const agent::ClusterConfig& config,
                std::filesystem::path agent_dir = fence_agent_dir);
    ~FenceRunner();
    FenceRunner(const FenceRunner&) = delete;
    FenceRunner& operator=(const FenceRunner&) = delete;

    using Done = std::function<void(const agent::in::FenceDone&)>;
    // done is called once, from the loop.
    void run(const agent::out::Fence& fence, Done done);
    // Per node that was ever fenced from here: the last attempt (status JSON).
    nlohmann::json status() const;

private:
    struct Attempt;
    void try_device(std::shared_ptr<Attempt> attempt);

    struct Record {
        std::string node;
        std::string started;   // ISO time
        std::string finished;  // empty while running
        std::string device;    // the device that succeeded or was tried last
        std::string result;    // running | ok | failed
        std::string message;
        std::uint64_t attempts = 0;  // fences of this node from this daemon
    };

    agent::ClusterConfig config_;
    std::filesystem::path agent_dir_;
    resources::ProcessRunner runner_;
    std::vector<Record> records_;  // per node
};

}  // namespace hacluster::daemon
