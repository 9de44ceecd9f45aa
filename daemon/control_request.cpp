#include "daemon/control_request.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

#include "agent/wire.h"

namespace hacluster::daemon {

namespace {

using json = nlohmann::json;

// A request is one flat object; deeper nesting is refused before parsing so no
// line can make the parser or the JSON value's destructor recurse deeply.
constexpr std::size_t max_depth = 4;

struct Known {
    std::string_view name;
    ControlCommand command;
};
constexpr std::array<Known, 11> commands{{
    {"status", ControlCommand::status},
    {"nodes", ControlCommand::nodes},
    {"groups", ControlCommand::groups},
    {"events", ControlCommand::events},
    {"switchover", ControlCommand::switchover},
    {"standby", ControlCommand::standby},
    {"online", ControlCommand::online},
    {"maintenance", ControlCommand::maintenance},
    {"cleanup", ControlCommand::cleanup},
    {"reload", ControlCommand::reload},
    {"config_show", ControlCommand::config_show},
}};

// Names and values echoed in an answer are shortened and stripped of control
// characters: the answer is one line, and a client may print it to a terminal.
std::string shown(std::string_view text) {
    constexpr std::size_t limit = 64;
    std::string out;
    for (const char c : text.substr(0, limit)) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    }
    if (text.size() > limit) out += "...";
    return out;
}

// The byte offset (1-based) where nesting first goes deeper than max_depth.
std::optional<std::size_t> too_deep(std::string_view text) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) return i + 1;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

// The fields each command takes beside "version" and "command".
std::vector<std::string_view> fields_of(ControlCommand command) {
    switch (command) {
        case ControlCommand::status:
        case ControlCommand::nodes:
        case ControlCommand::groups: return {};
        case ControlCommand::events: return {"limit"};
        case ControlCommand::switchover: return {"group", "to", "ttl_s"};
        case ControlCommand::standby: return {"node", "ttl_s"};
        case ControlCommand::online: return {"node"};
        case ControlCommand::maintenance: return {"state", "group", "ttl_s"};
        case ControlCommand::cleanup: return {"group", "node"};
        case ControlCommand::reload:
        case ControlCommand::config_show: return {};
    }
    return {};
}

class Fields {
public:
    Fields(const json& request, std::string command) : request_(request), command_(std::move(command)) {}

    // The string at key: nullopt and an error when present but not a non-empty string.
    std::optional<std::string> text(const char* key, std::string& error) const {
        const auto it = request_.find(key);
        if (it == request_.end()) return std::string();
        if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
            error = command_ + ": \"" + key + "\" must be a non-empty string";
            return std::nullopt;
        }
        return it->get<std::string>();
    }

private:
    const json& request_;
    std::string command_;
};

std::variant<ControlRequest, std::string> decode(std::string_view line) {
    if (line.size() > max_request_bytes) {
        return "request is " + std::to_string(line.size()) + " bytes; at most " +
               std::to_string(max_request_bytes) + " are read";
    }
    if (const auto at = too_deep(line)) {
        return "request nests objects or arrays more than " + std::to_string(max_depth) +
               " deep (at byte " + std::to_string(*at) + ")";
    }
    json request;
    try {
        request = json::parse(line);
    } catch (const json::parse_error& e) {
        return "request is not valid JSON at byte " + std::to_string(e.byte);
    }
    if (!request.is_object()) return std::string("request is not a JSON object on one line");

    const auto version = request.find("version");
    if (version == request.end()) {
        return "request has no \"version\" (this daemon speaks version " +
               std::to_string(control_protocol_version) + ")";
    }
    if (!version->is_number_integer() || *version != control_protocol_version) {
        return "request version " + shown(version->dump()) + " not supported (this daemon speaks version " +
               std::to_string(control_protocol_version) + ")";
    }
    const auto command = request.find("command");
    if (command == request.end() || !command->is_string()) return std::string("request has no \"command\" string");

    ControlRequest out;
    out.name = command->get<std::string>();
    const Known* known = nullptr;
    for (const Known& k : commands) {
        if (k.name == out.name) known = &k;
    }
    if (known == nullptr) return "unknown command '" + shown(out.name) + "'";
    out.command = known->command;

    const std::vector<std::string_view> allowed = fields_of(out.command);
    for (const auto& [key, value] : request.items()) {
        if (key == "version" || key == "command") continue;
        bool ok = false;
        for (const std::string_view a : allowed) ok = ok || a == key;
        if (!ok) return out.name + ": unknown field \"" + shown(key) + "\"";
    }

    std::string error;
    const Fields fields(request, out.name);
    const auto take = [&](const char* key, std::string& into) {
        if (auto value = fields.text(key, error)) into = std::move(*value);
        return error.empty();
    };
    switch (out.command) {
        case ControlCommand::status:
        case ControlCommand::nodes:
        case ControlCommand::groups:
        case ControlCommand::reload:
        case ControlCommand::config_show: break;
        case ControlCommand::events:
            if (const auto limit = request.find("limit"); limit != request.end()) {
                if (!limit->is_number_unsigned() || *limit < 1 || *limit > max_events_limit) {
                    return "events: limit must be an integer from 1 to " + std::to_string(max_events_limit);
                }
                out.limit = limit->get<std::size_t>();
            }
            break;
        case ControlCommand::switchover:
            if (!take("group", out.group) || !take("to", out.node)) return error;
            if (out.group.empty()) return std::string("switchover: \"group\" is required");
            break;
        case ControlCommand::standby:
        case ControlCommand::online:
            if (!take("node", out.node)) return error;
            if (out.node.empty()) return out.name + ": \"node\" is required";
            break;
        case ControlCommand::maintenance: {
            std::string state;
            if (!take("state", state) || !take("group", out.group)) return error;
            if (state != "on" && state != "off") return std::string("maintenance: \"state\" must be \"on\" or \"off\"");
            out.state = state == "on" ? agent::Switch::on : agent::Switch::off;
            break;
        }
        case ControlCommand::cleanup:
            if (!take("group", out.group) || !take("node", out.node)) return error;
            if (out.group.empty()) return std::string("cleanup: \"group\" is required");
            break;
    }
    if (const auto ttl = request.find("ttl_s"); ttl != request.end()) {
        if (!ttl->is_number_unsigned() || *ttl < 1 || *ttl > agent::wire::max_ttl_s) {
            return out.name + ": \"ttl_s\" must be an integer of seconds from 1 to " +
                   std::to_string(agent::wire::max_ttl_s);
        }
        if (out.command == ControlCommand::maintenance && out.state == agent::Switch::off) {
            return std::string("maintenance: \"ttl_s\" applies to \"on\" only");
        }
        out.ttl = std::chrono::seconds(ttl->get<std::uint32_t>());
    }
    return out;
}

}  // namespace

std::variant<ControlRequest, std::string> decode_request(std::string_view line) noexcept {
    try {
        return decode(line);
    } catch (const std::exception& e) {
        // nlohmann's type errors and allocation failures: a bad request, never a crash.
        return std::string("bad request: ") + e.what();
    } catch (...) {
        return std::string("bad request");
    }
}

const char* to_string(ControlCommand command) {
    for (const Known& k : commands) {
        if (k.command == command) return k.name.data();
    }
    return "unknown";
}

}  // namespace hacluster::daemon
