#include "daemon/stop_escalation.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "resources/address_resources.h"

namespace hacluster::daemon {

namespace {

std::shared_ptr<spdlog::logger> log() {
    auto l = spdlog::get("main");
    return l ? l : spdlog::default_logger();
}

// fork, setsid, fork, exec: the command outlives us if it must (a reboot through
// IPMI), never becomes our zombie, and we wait only for the middle process.
// Everything exec needs is built before the first fork (async-signal safety).
void spawn_detached(const std::string& program, const std::vector<std::string>& args,
                    const std::vector<std::string>& env) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const pid_t middle = ::fork();
    if (middle < 0) {
        log()->critical("self_fence command: fork failed | error={}", std::strerror(errno));
        return;
    }
    if (middle == 0) {
        ::setsid();
        if (::fork() == 0) {
            const int null = ::open("/dev/null", O_RDWR);
            if (null >= 0) {
                ::dup2(null, STDIN_FILENO);
                if (null > STDERR_FILENO) ::close(null);
            }
            ::execve(program.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
        ::_exit(0);
    }
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace

AddressRemoval remove_group_addresses(const std::vector<ResourceConfig>& resources) {
    AddressRemoval out;
    bool all_addresses = !resources.empty();
    bool all_gone = true;
    const auto note = [&out](const std::string& text) { out.message += (out.message.empty() ? "" : "; ") + text; };
    for (const ResourceConfig& r : resources) {
        const std::vector<resources::HeldAddress> held = resources::known_addresses(r);
        if (held.empty()) {
            all_addresses = false;
            continue;
        }
        const std::vector<std::string> errors = resources::remove_addresses(held);
        if (errors.empty()) note(r.name + ": addresses removed");
        for (const std::string& error : errors) {
            all_gone = false;
            note(r.name + ": " + error);
        }
    }
    if (!all_addresses) note("not only addresses");
    out.covered = all_addresses && all_gone ? agent::in::Covered::yes : agent::in::Covered::no;
    return out;
}

void self_fence(const DaemonConfig& config, agent::NodeId self, const SelfFenceRequest& request) {
    const std::string& group = config.cluster.groups.at(request.group).name;
    const std::string& node = config.cluster.nodes.at(self).name;
    switch (config.cluster.self_fence) {
        case agent::SelfFence::off:
            log()->critical("self_fence is off: {} may still run on this node while another starts it | "
                            "node={} term={} reason={} by={}",
                            group, node, request.term, request.reason, request.by);
            return;
        case agent::SelfFence::command: {
            log()->critical("self-fencing with the configured command | group={} node={} term={} reason={} "
                            "by={} command={}",
                            group, node, request.term, request.reason, request.by, config.self_fence_command);
            spawn_detached(config.self_fence_command, {group, std::to_string(request.term)},
                           {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                            "HACLUSTER_GROUP=" + group, "HACLUSTER_NODE=" + node,
                            "HACLUSTER_TERM=" + std::to_string(request.term),
                            "HACLUSTER_REASON=" + std::string(request.reason),
                            "HACLUSTER_BY=" + std::string(request.by)});
            return;
        }
        case agent::SelfFence::reboot: {
            if (std::getenv(no_reboot_variable) != nullptr) {
                log()->critical("would reboot now, but {} is set (tests) | group={} term={} reason={} by={}",
                                no_reboot_variable, group, request.term, request.reason, request.by);
                return;
            }
            log()->critical("rebooting now: a stop could not be confirmed before the lease ends | group={} "
                            "node={} term={} reason={} by={}",
                            group, node, request.term, request.reason, request.by);
            log()->flush();
            // As sbd: at once, no sync (a hung disk would hang the sync too).
            const int fd = ::open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
            if (fd >= 0) {
                // Nothing to do if it fails: reboot() below is the fallback.
                if (::write(fd, "b", 1) != 1) log()->critical("sysrq reboot failed, trying reboot()");
                ::close(fd);
            }
            ::reboot(RB_AUTOBOOT);
            log()->critical("reboot failed: the group may still run here | error={}", std::strerror(errno));
            return;
        }
    }
}

}  // namespace hacluster::daemon
