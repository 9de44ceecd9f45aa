#include "daemon/config_loader.h"

#include "agent/message_text.h"
#include "daemon/hook_events.h"
#include "resources/ocf_class.h"
#include "resources/systemd_class.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <exception>
#include <initializer_list>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

namespace hacluster::daemon {

namespace {

using agent::Duration;
using nlohmann::json;
using Errors = std::vector<LoadError>;

// Past this many, further errors are only counted: a generated config with one
// mistake repeated thousands of times must not turn into a megabyte of log.
constexpr std::size_t max_errors = 100;
// About 24.8 days: far above any sensible timeout, and small enough that the lease
// arithmetic (sums of durations scaled by up to 1.23, in int64 nanoseconds,
// docs/design.md §5) cannot overflow.
constexpr std::int64_t max_duration_ms = std::numeric_limits<std::int32_t>::max();
// Resource names follow the rule for node and group names (agent/config.cpp): they
// end up in logs and script environments.
// Echoed operator input and parser messages are capped so a broken file cannot put
// megabytes into one log line.
constexpr std::size_t max_shown = 80;
constexpr std::size_t max_parse_detail = 300;
// A valid config nests 6 levels (groups[].resources[].params); the bound keeps a
// pathological document ("[[[[...") from costing a DOM node per byte.
constexpr std::size_t max_nesting = 16;

using agent::EscapeQuotes;
using agent::is_name_char;

std::string sanitize(std::string_view s, std::size_t limit, EscapeQuotes escape_quotes) {
    return agent::escaped(s, limit, escape_quotes);
}

std::string quote(std::string_view s) { return agent::quoted(s); }

// Keys that read unambiguously after a '.'; any other key is shown as ["..."].
bool is_plain_key(std::string_view key) {
    if (key.empty() || key.size() > max_shown) return false;
    return std::all_of(key.begin(), key.end(), [](char c) { return is_name_char(c) && c != '.'; });
}

std::string child_path(const std::string& base, std::string_view key) {
    if (!is_plain_key(key)) return base + "[" + quote(key) + "]";
    if (base.empty()) return std::string(key);
    return base + "." + std::string(key);
}

std::string index_path(const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

std::string type_of(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return "a number";
        case json::value_t::binary:
        case json::value_t::discarded: break;
    }
    return "an unexpected value";
}

std::string join(std::vector<std::string_view> names) {
    std::sort(names.begin(), names.end());
    std::string out;
    for (const std::string_view name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

using agent::check_name;

// Collects errors; the read functions check the JSON type before any get<>, so
// nlohmann never gets a chance to throw type_error.
class Reader {
public:
    void add(std::string path, std::string message) {
        if (errors_.size() < max_errors) {
            errors_.push_back({std::move(path), std::move(message)});
        } else {
            ++dropped_;
        }
    }

    void add(agent::ConfigError error) { add(std::move(error.path), std::move(error.message)); }

    bool failed() const { return !errors_.empty(); }

    Errors take_errors() {
        if (dropped_ > 0) {
            add_unbounded("", std::to_string(dropped_) + " more errors not shown (only the first " +
                                  std::to_string(max_errors) + " are listed)");
        }
        return std::move(errors_);
    }

    // True when v is an object; every key outside `known` is reported.
    bool object(const json& v, const std::string& path,
                std::initializer_list<std::string_view> known) {
        if (!v.is_object()) {
            type_error(v, path, "an object");
            return false;
        }
        for (const auto& [key, value] : v.items()) {
            (void)value;
            if (std::find(known.begin(), known.end(), key) == known.end()) {
                add(child_path(path, key), "unknown key (known: " + join(known) + ")");
            }
        }
        return true;
    }

    bool array(const json& v, const std::string& path) {
        if (v.is_array()) return true;
        type_error(v, path, "an array");
        return false;
    }

    static const json* find(const json& obj, std::string_view key) {
        const auto it = obj.find(std::string(key));
        return it == obj.end() ? nullptr : &*it;
    }

    const json* require(const json& obj, const std::string& path, std::string_view key) {
        const json* v = find(obj, key);
        if (v == nullptr) add(child_path(path, key), "required");
        return v;
    }

    std::optional<std::string> string(const json& v, const std::string& path) {
        if (const auto* s = v.get_ptr<const json::string_t*>()) return *s;
        type_error(v, path, "a string");
        return std::nullopt;
    }

    std::optional<bool> boolean(const json& v, const std::string& path) {
        if (const auto* b = v.get_ptr<const json::boolean_t*>()) return *b;
        type_error(v, path, "a boolean");
        return std::nullopt;
    }

    std::optional<std::int64_t> integer(const json& v, const std::string& path, std::int64_t lo,
                                        std::int64_t hi) {
        const auto out_of_range = [&](const std::string& got) {
            add(path, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + got);
            return std::nullopt;
        };
        if (const auto* u = v.get_ptr<const json::number_unsigned_t*>()) {
            if (*u > static_cast<std::uint64_t>(hi) || static_cast<std::int64_t>(*u) < lo) {
                return out_of_range(std::to_string(*u));
            }
            return static_cast<std::int64_t>(*u);
        }
        if (const auto* i = v.get_ptr<const json::number_integer_t*>()) {
            if (*i < lo || *i > hi) return out_of_range(std::to_string(*i));
            return *i;
        }
        if (const auto* d = v.get_ptr<const json::number_float_t*>()) {
            // nlohmann stores integers beyond 64 bits as floating point: those are
            // integers that are out of range, not fractions.
            if (std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) >= 0x1p63) {
                return out_of_range(v.dump());
            }
            add(path,
                "expected an integer, got a number with a fraction or exponent (" + v.dump() + ")");
            return std::nullopt;
        }
        type_error(v, path, "an integer");
        return std::nullopt;
    }

    // An integer of type T, min..T's maximum.
    template <class T>
    std::optional<T> unsigned_integer(const json& v, const std::string& path, T min) {
        if (auto i = integer(v, path, min, std::numeric_limits<T>::max()))
            return static_cast<T>(*i);
        return std::nullopt;
    }

    std::optional<Duration> duration(const json& v, const std::string& path,
                                     std::int64_t min_ms = 0) {
        if (auto ms = integer(v, path, min_ms, max_duration_ms))
            return std::chrono::milliseconds(*ms);
        return std::nullopt;
    }

    std::optional<std::vector<std::string>> strings(const json& v, const std::string& path) {
        if (!array(v, path)) return std::nullopt;
        std::vector<std::string> out;
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (auto s = string(v[i], index_path(path, i))) {
                out.push_back(std::move(*s));
            } else {
                ok = false;
            }
        }
        if (!ok) return std::nullopt;
        return out;
    }

    // Reads obj[key] with `read` when present and stores it in `out`.
    template <class T, class Read>
    void optional(const json& obj, const std::string& path, std::string_view key, T& out,
                  Read read) {
        if (const json* v = find(obj, key)) {
            if (auto value = read(*v, child_path(path, key))) out = std::move(*value);
        }
    }

    template <class T, class Read>
    void required(const json& obj, const std::string& path, std::string_view key, T& out,
                  Read read) {
        if (const json* v = require(obj, path, key)) {
            if (auto value = read(*v, child_path(path, key))) out = std::move(*value);
        }
    }

    void type_error(const json& v, const std::string& path, std::string_view expected) {
        add(path, "expected " + std::string(expected) + ", got " + type_of(v));
    }

private:
    void add_unbounded(std::string path, std::string message) {
        errors_.push_back({std::move(path), std::move(message)});
    }

    Errors errors_;
    std::size_t dropped_ = 0;
};

// nlohmann keeps the last of two equal keys in an object without a word; a
// pasted-twice "heartbeat" block would silently win. The parser callback sees
// every key, so it tracks the path and reports repeats.
class DuplicateKeys {
public:
    explicit DuplicateKeys(Reader& reader) : reader_(reader) {}

    bool on_event(json::parse_event_t event, const json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start: push(Kind::object); break;
            case json::parse_event_t::array_start: push(Kind::array); break;
            case json::parse_event_t::object_end:
            case json::parse_event_t::array_end:
                if (!frames_.empty()) frames_.pop_back();
                break;
            case json::parse_event_t::key:
                if (!frames_.empty()) {
                    Frame& frame = frames_.back();
                    const auto* key = parsed.get_ptr<const json::string_t*>();
                    const std::string k = key != nullptr ? *key : std::string();
                    frame.key_path = child_path(frame.path, k);
                    if (!frame.keys.insert(k).second) {
                        reader_.add(
                            frame.key_path,
                            "duplicate key: a later value would silently replace the earlier one");
                    }
                }
                break;
            case json::parse_event_t::value:
                if (!frames_.empty() && frames_.back().kind == Kind::array)
                    ++frames_.back().next_index;
                break;
        }
        return true;  // keep everything: this callback only watches
    }

private:
    enum class Kind { object, array };

    struct Frame {
        std::string path;
        Kind kind = Kind::object;
        std::size_t next_index = 0;
        std::string key_path;  // path of the member whose value comes next (objects)
        std::set<std::string, std::less<>> keys;
    };

    void push(Kind kind) {
        Frame frame;
        frame.path = next_child();
        frame.kind = kind;
        frames_.push_back(std::move(frame));
    }

    std::string next_child() {
        if (frames_.empty()) return "";
        Frame& frame = frames_.back();
        if (frame.kind == Kind::array) return index_path(frame.path, frame.next_index++);
        return frame.key_path;
    }

    Reader& reader_;
    std::vector<Frame> frames_;
};

// Where (the 0-based byte offset) the text first opens more than max_nesting
// objects and arrays at once, outside strings; checked before parsing.
std::optional<std::size_t> too_deep(std::string_view text) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // whatever is escaped cannot end the string
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_nesting) return i;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

// Re-parses with exceptions on (only after a failed parse) to learn where and why.
std::string describe_parse_error(const char* first, const char* last) {
    try {
        const json ignored = json::parse(first, last);
        (void)ignored;
    } catch (const json::parse_error& e) {
        // what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
        std::string_view detail = e.what();
        if (const auto end = detail.find("] ");
            detail.starts_with("[json.exception") && end != detail.npos) {
            detail.remove_prefix(end + 2);
        }
        if (detail.starts_with("parse error "))
            detail.remove_prefix(std::string_view("parse error ").size());
        const std::string separator = detail.starts_with("at ") ? " " : ": ";
        // e.byte counts from 1: the byte at which the parser gave up.
        return "invalid JSON" + separator + sanitize(detail, max_parse_detail, EscapeQuotes::no) +
               " (byte " + std::to_string(e.byte) + ")";
    }
    return "invalid JSON";
}

ResourceConfig read_resource(Reader& r, const json& v, const std::string& path) {
    ResourceConfig res;
    if (!r.object(v, path,
                  {"agent", "failure_expiry_s", "max_failures", "monitor_interval_ms", "monitor_timeout_ms",
                   "name", "params", "promotable", "start_timeout_ms", "stop_timeout_ms"})) {
        return res;
    }
    const auto string = [&r](const json& x, const std::string& p) { return r.string(x, p); };
    // Nothing downstream checks resource timeouts, and 0 would mean "fail at once".
    const auto timeout = [&r](const json& x, const std::string& p) { return r.duration(x, p, 1); };
    r.required(v, path, "name", res.name, string);
    r.required(v, path, "agent", res.agent, string);
    r.optional(v, path, "start_timeout_ms", res.start_timeout, timeout);
    r.optional(v, path, "stop_timeout_ms", res.stop_timeout, timeout);
    r.optional(v, path, "monitor_interval_ms", res.monitor_interval, timeout);
    r.optional(v, path, "monitor_timeout_ms", res.monitor_timeout, timeout);
    r.optional(v, path, "max_failures", res.max_failures, [&r](const json& x, const std::string& p) {
        return r.integer(x, p, 1, max_failures_limit);
    });
    std::optional<std::int64_t> expiry;
    r.optional(v, path, "failure_expiry_s", expiry, [&r](const json& x, const std::string& p) {
        return r.integer(x, p, 0, failure_expiry_limit_s);
    });
    res.failure_expiry_s = expiry.value_or(0);
    r.optional(v, path, "promotable", res.promotable,
               [&r](const json& x, const std::string& p) { return r.boolean(x, p); });
    if (const json* params = Reader::find(v, "params")) {
        const std::string params_path = child_path(path, "params");
        if (params->is_object()) {
            for (const auto& [key, value] : params->items()) {
                if (auto s = r.string(value, child_path(params_path, key)))
                    res.params.emplace(key, *s);
            }
        } else {
            r.type_error(*params, params_path, "an object");
        }
    }
    return res;
}

bool is_ip_address(const std::string& s) {
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, s.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

// "http://HOST[:PORT][/PATH]" with HOST an IPv4 address or a bracketed IPv6 one.
std::optional<std::string> read_http_url(const std::string& url, HealthCheckConfig& check) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) return "must start with http:// (https is not supported)";
    const std::string rest = url.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    check.url_path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (check.url_path.find_first_of(" \r\n") != std::string::npos) return "the path must not contain spaces or line breaks";
    std::string host = authority;
    std::optional<std::string> port;
    if (authority.starts_with("[")) {
        const std::size_t close = authority.find(']');
        if (close == std::string::npos) return "unclosed [ in the host";
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return "expected :PORT after ]";
            port = authority.substr(close + 2);
        }
    } else if (const std::size_t colon = authority.find(':'); colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!is_ip_address(host)) return "the host must be an IP address (no name lookups), got " + quote(host);
    check.host = host;
    check.port = 80;
    if (port) {
        if (port->empty() || port->size() > 5 || !std::all_of(port->begin(), port->end(), [](char c) {
                return c >= '0' && c <= '9';
            })) {
            return "bad port " + quote(*port);
        }
        const int n = std::stoi(*port);
        if (n < 1 || n > 65535) return "port must be 1..65535, got " + *port;
        check.port = static_cast<std::uint16_t>(n);
    }
    return std::nullopt;
}

// 200, "200" or "200-399".
bool read_expect_status(Reader& r, const json& v, const std::string& path, HealthCheckConfig& check) {
    if (v.is_number()) {
        const auto n = r.integer(v, path, 100, 599);
        if (!n) return false;
        check.expect_min = check.expect_max = static_cast<int>(*n);
        return true;
    }
    const auto s = r.string(v, path);
    if (!s) return false;
    int lo = 0, hi = 0;
    char dash = 0;
    int used = 0;
    const int fields = std::sscanf(s->c_str(), "%d%c%d%n", &lo, &dash, &hi, &used);
    if (fields == 1) hi = lo;
    const bool whole = fields == 1 ? s->find_first_not_of("0123456789") == std::string::npos
                                   : fields == 3 && dash == '-' && static_cast<std::size_t>(used) == s->size();
    if (!whole || lo < 100 || hi > 599 || lo > hi) {
        r.add(path, "must be a status 100..599 or a range like \"200-399\", got " + quote(*s));
        return false;
    }
    check.expect_min = lo;
    check.expect_max = hi;
    return true;
}

void read_health_check(Reader& r, const json& v, const std::string& path, HealthCheckConfig& check) {
    if (!r.object(v, path,
                  {"expect_status", "fall", "host", "interface", "interval_ms", "min_available_mb",
                   "min_available_percent", "min_free_mb", "min_free_percent", "name", "path", "port", "rise",
                   "timeout_ms", "type", "url"})) {
        return;
    }
    const auto string = [&r](const json& x, const std::string& p) { return r.string(x, p); };
    r.required(v, path, "name", check.name, string);
    std::string type;
    r.required(v, path, "type", type, string);
    static constexpr std::pair<std::string_view, HealthCheckType> types[] = {
        {"script", HealthCheckType::script}, {"tcp", HealthCheckType::tcp},   {"http", HealthCheckType::http},
        {"link", HealthCheckType::link},     {"disk", HealthCheckType::disk}, {"memory", HealthCheckType::memory}};
    bool known_type = false;
    for (const auto& [name, t] : types) {
        if (type == name) {
            check.type = t;
            known_type = true;
        }
    }
    if (!type.empty() && !known_type) {
        r.add(child_path(path, "type"),
              "must be one of script, tcp, http, link, disk, memory, got " + quote(type));
    }
    r.optional(v, path, "interval_ms", check.interval,
               [&r](const json& x, const std::string& p) { return r.duration(x, p, 1); });
    r.optional(v, path, "timeout_ms", check.timeout, [&r](const json& x, const std::string& p) {
        if (auto ms = r.integer(x, p, 1, max_health_timeout_ms)) return std::optional<Duration>(std::chrono::milliseconds(*ms));
        return std::optional<Duration>();
    });
    const auto count = [&r](const json& x, const std::string& p) -> std::optional<int> {
        if (auto n = r.integer(x, p, 1, max_rise_fall)) return static_cast<int>(*n);
        return std::nullopt;
    };
    r.optional(v, path, "rise", check.rise, count);
    r.optional(v, path, "fall", check.fall, count);
    const auto percent = [&r](const json& x, const std::string& p) -> std::optional<double> {
        if (!x.is_number()) {
            r.type_error(x, p, "a number");
            return std::nullopt;
        }
        const double d = x.get<double>();
        if (!(d >= 0 && d <= 100)) {
            r.add(p, "must be 0..100, got " + x.dump());
            return std::nullopt;
        }
        return d;
    };
    const auto megabytes = [&r](const json& x, const std::string& p) { return r.integer(x, p, 0, std::int64_t{1} << 40); };

    // Only the parameters of the check's own type are allowed: a "port" on a
    // disk check is a mistake, not something to ignore.
    std::vector<std::string_view> allowed;
    if (known_type) {
        switch (check.type) {
            case HealthCheckType::script:
                allowed = {"path"};
                r.required(v, path, "path", check.path, string);
                if (Reader::find(v, "path") && check.path.empty()) r.add(child_path(path, "path"), "must not be empty");
                break;
            case HealthCheckType::tcp:
                allowed = {"host", "port"};
                r.required(v, path, "host", check.host, string);
                if (Reader::find(v, "host") && !check.host.empty() && !is_ip_address(check.host)) {
                    r.add(child_path(path, "host"), "must be an IP address (no name lookups), got " + quote(check.host));
                }
                r.required(v, path, "port", check.port, [&r](const json& x, const std::string& p) {
                    return r.unsigned_integer<std::uint16_t>(x, p, 1);
                });
                break;
            case HealthCheckType::http:
                allowed = {"url", "expect_status"};
                r.required(v, path, "url", check.url, string);
                if (Reader::find(v, "url") && v["url"].is_string()) {
                    if (auto problem = read_http_url(check.url, check)) r.add(child_path(path, "url"), *problem);
                }
                if (const json* e = Reader::find(v, "expect_status")) {
                    read_expect_status(r, *e, child_path(path, "expect_status"), check);
                }
                break;
            case HealthCheckType::link:
                allowed = {"interface"};
                r.required(v, path, "interface", check.interface, string);
                if (Reader::find(v, "interface") && v["interface"].is_string()) {
                    const std::string& i = check.interface;
                    if (i.empty() || i.size() > 15 || i == "." || i == ".." ||
                        i.find_first_of("/ ") != std::string::npos) {
                        r.add(child_path(path, "interface"), "not an interface name: " + quote(i));
                    }
                }
                break;
            case HealthCheckType::disk:
                allowed = {"path", "min_free_percent", "min_free_mb"};
                r.required(v, path, "path", check.path, string);
                r.optional(v, path, "min_free_percent", check.min_free_percent, percent);
                r.optional(v, path, "min_free_mb", check.min_free_mb, megabytes);
                if (!Reader::find(v, "min_free_percent") && !Reader::find(v, "min_free_mb")) {
                    r.add(path, "a disk check needs min_free_percent and/or min_free_mb");
                }
                break;
            case HealthCheckType::memory:
                allowed = {"min_available_mb", "min_available_percent"};
                r.optional(v, path, "min_available_mb", check.min_available_mb, megabytes);
                r.optional(v, path, "min_available_percent", check.min_available_percent, percent);
                if (!Reader::find(v, "min_available_mb") && !Reader::find(v, "min_available_percent")) {
                    r.add(path, "a memory check needs min_available_mb and/or min_available_percent");
                }
                break;
        }
        static constexpr std::string_view params[] = {"expect_status", "host", "interface", "min_available_mb",
                                                      "min_available_percent", "min_free_mb", "min_free_percent",
                                                      "path", "port", "url"};
        for (const std::string_view key : params) {
            if (Reader::find(v, key) && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                r.add(child_path(path, key), "not a parameter of a " + type + " check");
            }
        }
    }
}

std::optional<agent::Failback> read_failback(Reader& r, const json& v, const std::string& path) {
    if (const auto* b = v.get_ptr<const json::boolean_t*>()) {
        return *b ? agent::Failback::automatic : agent::Failback::never;
    }
    if (const auto* s = v.get_ptr<const json::string_t*>()) {
        if (*s == "never") return agent::Failback::never;
        if (*s == "auto") return agent::Failback::automatic;
        r.add(path, "must be false, true, \"never\" or \"auto\", got " + quote(*s));
        return std::nullopt;
    }
    r.add(path, "expected a boolean or a string, got " + type_of(v));
    return std::nullopt;
}

void read_group(Reader& r, const json& v, const std::string& path, DaemonConfig& config) {
    agent::GroupConfig& group = config.cluster.groups.emplace_back();
    std::vector<ResourceConfig>& resources = config.resources.emplace_back();
    if (!r.object(
            v, path,
            {"after", "away_from", "failback", "failback_delay_ms", "name", "nodes", "resources",
             "start_timeout_ms", "stop_timeout_ms", "with"})) {
        return;
    }
    const auto duration = [&r](const json& x, const std::string& p) { return r.duration(x, p); };
    r.required(v, path, "name", group.name,
               [&r](const json& x, const std::string& p) { return r.string(x, p); });
    r.required(v, path, "nodes", group.nodes,
               [&r](const json& x, const std::string& p) { return r.strings(x, p); });
    r.optional(v, path, "failback", group.failback,
               [&r](const json& x, const std::string& p) { return read_failback(r, x, p); });
    r.optional(v, path, "failback_delay_ms", group.failback_delay, duration);
    const auto strings = [&r](const json& x, const std::string& p) { return r.strings(x, p); };
    r.optional(v, path, "with", group.with, strings);
    r.optional(v, path, "away_from", group.away_from, strings);
    r.optional(v, path, "after", group.after, strings);
    r.optional(v, path, "start_timeout_ms", group.start_timeout, duration);
    std::optional<agent::Duration> stop_budget;
    r.optional(v, path, "stop_timeout_ms", stop_budget, duration);
    if (const json* list = Reader::find(v, "resources")) {
        const std::string list_path = child_path(path, "resources");
        if (r.array(*list, list_path)) {
            for (std::size_t i = 0; i < list->size(); ++i) {
                resources.push_back(read_resource(r, (*list)[i], index_path(list_path, i)));
            }
        }
    }
    // The stop budget inside the lease (design §5): the group's own, else what its
    // resources' stops may take one after the other.
    config.stop_budget_set.push_back(stop_budget.has_value());
    group.stop_timeout = stop_budget ? *stop_budget : resources::group_stop_budget(resources);
    group.promotable = std::any_of(resources.begin(), resources.end(),
                                   [](const ResourceConfig& res) { return res.promotable; });
}

HookConfig read_hook(Reader& r, const json& v, const std::string& path) {
    HookConfig hook;
    if (!r.object(v, path, {"env", "events", "path", "timeout_ms"})) return hook;
    r.required(v, path, "path", hook.path, [&r](const json& x, const std::string& p) { return r.string(x, p); });
    r.optional(v, path, "timeout_ms", hook.timeout, [&r](const json& x, const std::string& p) {
        auto ms = r.integer(x, p, hook_timeout_min_ms, hook_timeout_max_ms);
        return ms ? std::optional<Duration>(std::chrono::milliseconds(*ms)) : std::nullopt;
    });
    r.optional(v, path, "events", hook.events, [&r](const json& x, const std::string& p) { return r.strings(x, p); });
    if (const json* env = Reader::find(v, "env")) {
        const std::string env_path = child_path(path, "env");
        if (env->is_object()) {
            for (const auto& [key, value] : env->items()) {
                if (auto s = r.string(value, child_path(env_path, key))) hook.env.emplace(key, *s);
            }
        } else {
            r.type_error(*env, env_path, "an object");
        }
    }
    return hook;
}

// A key=value map of strings (fence params, host_map). Fence agents read their
// arguments one per line on stdin, so no key or value may break a line.
std::map<std::string, std::string> read_string_map(Reader& r, const json& v, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!v.is_object()) {
        r.type_error(v, path, "an object");
        return out;
    }
    for (const auto& [key, value] : v.items()) {
        const std::string item_path = child_path(path, key);
        auto text = r.string(value, item_path);
        if (!text) continue;
        if (key.empty() || key.find_first_of("=\n\r") != std::string::npos) {
            r.add(item_path, "the key must be non-empty and contain no '=' or line break");
        } else if (text->find_first_of("\n\r") != std::string::npos) {
            r.add(item_path, "must not contain a line break (fence agents read one key=value per line)");
        } else {
            out.emplace(key, *text);
        }
    }
    return out;
}

void read_fence_device(Reader& r, const json& v, const std::string& path, agent::FenceDevice& device) {
    if (!r.object(v, path, {"agent", "host_map", "name", "nodes", "params"})) return;
    const auto string = [&r](const json& x, const std::string& p) { return r.string(x, p); };
    r.required(v, path, "name", device.name, string);
    r.required(v, path, "agent", device.agent, string);
    r.optional(v, path, "nodes", device.nodes,
               [&r](const json& x, const std::string& p) { return r.strings(x, p); });
    if (!device.agent.empty() && device.agent.find('/') != std::string::npos &&
        device.agent.front() != '/') {
        r.add(child_path(path, "agent"), "must be a program name found in /usr/sbin (e.g. "
                                         "\"fence_ipmilan\") or an absolute path, got " +
                                             quote(device.agent));
    }
    if (const json* params = Reader::find(v, "params")) {
        const std::string params_path = child_path(path, "params");
        device.params = read_string_map(r, *params, params_path);
        for (const char* reserved : {"action", "plug", "port", "nodename"}) {
            if (device.params.count(reserved) != 0) {
                r.add(child_path(params_path, reserved),
                      "is set by hacluster for each fence (from fencing.action and the target node)");
            }
        }
    }
    if (const json* map = Reader::find(v, "host_map")) {
        device.host_map = read_string_map(r, *map, child_path(path, "host_map"));
    }
}

std::optional<agent::SelfFence> read_self_fence_action(Reader& r, const json& v, const std::string& path) {
    const auto name = r.string(v, path);
    if (!name) return std::nullopt;
    if (*name == "reboot") return agent::SelfFence::reboot;
    if (*name == "command") return agent::SelfFence::command;
    if (*name == "off") return agent::SelfFence::off;
    r.add(path, "must be \"reboot\", \"command\" or \"off\", got " + quote(*name));
    return std::nullopt;
}

// "self_fence": "reboot" | "off" | {"action": "command", "command": "/path"} (design §4.8).
void read_self_fence(Reader& r, const json& v, DaemonConfig& config) {
    if (v.is_string()) {
        if (auto action = read_self_fence_action(r, v, "self_fence")) config.cluster.self_fence = *action;
    } else if (r.object(v, "self_fence", {"action", "command"})) {
        r.required(v, "self_fence", "action", config.cluster.self_fence,
                   [&r](const json& x, const std::string& p) { return read_self_fence_action(r, x, p); });
        r.optional(v, "self_fence", "command", config.self_fence_command,
                   [&r](const json& x, const std::string& p) { return r.string(x, p); });
    }
    if (config.cluster.self_fence == agent::SelfFence::command) {
        const std::filesystem::path program(config.self_fence_command);
        if (config.self_fence_command.empty()) {
            r.add("self_fence.command", "is required with action \"command\": the executable to run");
        } else if (!program.is_absolute()) {
            r.add("self_fence.command", "must be an absolute path, got " + quote(config.self_fence_command));
        }
    } else if (!config.self_fence_command.empty()) {
        r.add("self_fence.command", "is only for action \"command\"");
    }
}

void read_fencing(Reader& r, const json& v, agent::FencingConfig& fencing) {
    if (!r.object(v, "fencing", {"action", "devices", "timeout_ms"})) return;
    r.optional(v, "fencing", "timeout_ms", fencing.timeout,
               [&r](const json& x, const std::string& p) { return r.duration(x, p); });
    r.optional(v, "fencing", "action", fencing.action,
               [&r](const json& x, const std::string& p) -> std::optional<agent::FenceAction> {
                   const auto s = r.string(x, p);
                   if (!s) return std::nullopt;
                   if (*s == "off") return agent::FenceAction::off;
                   if (*s == "reboot") return agent::FenceAction::reboot;
                   r.add(p, "must be \"off\" or \"reboot\", got " + quote(*s));
                   return std::nullopt;
               });
    if (const json* devices = Reader::find(v, "devices");
        devices != nullptr && r.array(*devices, "fencing.devices")) {
        for (std::size_t d = 0; d < devices->size(); ++d) {
            read_fence_device(r, (*devices)[d], index_path("fencing.devices", d),
                              fencing.devices.emplace_back());
        }
    }
}

void read_node(Reader& r, const json& v, const std::string& path, agent::NodeConfig& node) {
    if (!r.object(v, path, {"addresses", "name", "votes"})) return;
    r.required(v, path, "name", node.name,
               [&r](const json& x, const std::string& p) { return r.string(x, p); });
    r.required(v, path, "addresses", node.addresses,
               [&r](const json& x, const std::string& p) { return r.strings(x, p); });
    r.optional(v, path, "votes", node.votes, [&r](const json& x, const std::string& p) {
        return r.unsigned_integer<std::uint32_t>(x, p, 0);
    });
}

DaemonConfig read_config(Reader& r, const json& root) {
    DaemonConfig config;
    agent::ClusterConfig& cluster = config.cluster;
    if (!r.object(
            root, "",
            {"auth_key_file", "cluster", "fencing", "groups", "health_checks", "heartbeat", "hooks", "lease", "nodes",
             "quorum", "self_fence"})) {
        return config;
    }
    const auto string = [&r](const json& x, const std::string& p) { return r.string(x, p); };
    const auto duration = [&r](const json& x, const std::string& p) { return r.duration(x, p); };

    r.required(root, "", "cluster", cluster.cluster, string);
    r.optional(root, "", "auth_key_file", config.auth_key_file, string);

    if (const json* nodes = r.require(root, "", "nodes");
        nodes != nullptr && r.array(*nodes, "nodes")) {
        for (std::size_t i = 0; i < nodes->size(); ++i) {
            read_node(r, (*nodes)[i], index_path("nodes", i), cluster.nodes.emplace_back());
        }
    }

    if (const json* hb = Reader::find(root, "heartbeat");
        hb != nullptr &&
        r.object(*hb, "heartbeat", {"interval_ms", "port", "tick_ms", "timeout_ms"})) {
        r.optional(*hb, "heartbeat", "interval_ms", cluster.timing.interval, duration);
        r.optional(*hb, "heartbeat", "timeout_ms", cluster.timing.timeout, duration);
        r.optional(*hb, "heartbeat", "tick_ms", cluster.timing.tick, duration);
        r.optional(*hb, "heartbeat", "port", config.port,
                   [&r](const json& x, const std::string& p) {
                       return r.unsigned_integer<std::uint16_t>(x, p, 1);
                   });
    }

    if (const json* lease = Reader::find(root, "lease");
        lease != nullptr && r.object(*lease, "lease", {"margin_ms", "max_clock_drift_ppm"})) {
        r.optional(*lease, "lease", "margin_ms", cluster.timing.lease_margin, duration);
        r.optional(*lease, "lease", "max_clock_drift_ppm", cluster.timing.max_clock_drift_ppm,
                   [&r](const json& x, const std::string& p) {
                       return r.unsigned_integer<std::uint32_t>(x, p, 0);
                   });
    }

    if (const json* quorum = Reader::find(root, "quorum");
        quorum != nullptr && r.object(*quorum, "quorum", {"wait_for_all"})) {
        r.optional(*quorum, "quorum", "wait_for_all", cluster.quorum.wait_for_all,
                   [&r](const json& x, const std::string& p) -> std::optional<agent::WaitForAll> {
                       const auto b = r.boolean(x, p);
                       if (!b) return std::nullopt;
                       return *b ? agent::WaitForAll::yes : agent::WaitForAll::no;
                   });
    }

    if (const json* groups = Reader::find(root, "groups");
        groups != nullptr && r.array(*groups, "groups")) {
        for (std::size_t g = 0; g < groups->size(); ++g) {
            read_group(r, (*groups)[g], index_path("groups", g), config);
        }
    }

    if (const json* hooks = Reader::find(root, "hooks"); hooks != nullptr && r.array(*hooks, "hooks")) {
        if (hooks->size() > max_hooks) {
            r.add("hooks", "at most " + std::to_string(max_hooks) + " hooks are allowed, got " +
                               std::to_string(hooks->size()));
        } else {
            for (std::size_t h = 0; h < hooks->size(); ++h) {
                config.hooks.push_back(read_hook(r, (*hooks)[h], index_path("hooks", h)));
            }
        }
    }
    if (const json* fencing = Reader::find(root, "fencing")) read_fencing(r, *fencing, cluster.fencing);
    if (const json* self_fence = Reader::find(root, "self_fence")) read_self_fence(r, *self_fence, config);

    if (const json* checks = Reader::find(root, "health_checks");
        checks != nullptr && r.array(*checks, "health_checks")) {
        if (checks->size() > max_health_checks) {
            r.add("health_checks", "at most " + std::to_string(max_health_checks) + " checks, got " +
                                       std::to_string(checks->size()));
        } else {
            for (std::size_t i = 0; i < checks->size(); ++i) {
                read_health_check(r, (*checks)[i], index_path("health_checks", i),
                                  config.health_checks.emplace_back());
            }
        }
    }
    return config;
}

std::string os_reason(int error) { return std::generic_category().message(error); }

// Whether the checks look at the files the config names (parse_config_text: no).
enum class FileChecks : std::uint8_t { yes, no };

void check_hooks(Reader& r, const std::vector<HookConfig>& hooks, FileChecks files) {
    const std::vector<std::string> known = known_hook_events();
    for (std::size_t h = 0; h < hooks.size(); ++h) {
        const HookConfig& hook = hooks[h];
        const std::string path = index_path("hooks", h);
        const std::filesystem::path program(hook.path);
        if (!program.is_absolute()) {
            r.add(path + ".path", "must be an absolute path, got " + quote(hook.path));
        } else if (files == FileChecks::no) {
        } else if (std::error_code ec; !std::filesystem::is_regular_file(program, ec)) {
            r.add(path + ".path", quote(hook.path) + " is not a file" + (ec ? ": " + ec.message() : ""));
        } else if (::access(hook.path.c_str(), X_OK) != 0) {
            r.add(path + ".path", quote(hook.path) + " is not executable: " + os_reason(errno));
        }
        for (const auto& [name, value] : hook.env) {
            const std::string at = child_path(path + ".env", name);
            const bool identifier = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                                    std::all_of(name.begin(), name.end(), [](char c) {
                                        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                                    });
            if (!identifier) {
                r.add(at, "an environment variable name must be a shell identifier ([A-Za-z_][A-Za-z0-9_]*)");
            } else if (is_event_variable(name)) {
                r.add(at, "is set by the daemon for every event and cannot be configured");
            }
            if (value.find('\0') != std::string::npos) r.add(at, "contains a NUL byte");
        }
        for (std::size_t e = 0; e < hook.events.size(); ++e) {
            if (std::find(known.begin(), known.end(), hook.events[e]) != known.end()) continue;
            std::string list;
            for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
            r.add(index_path(path + ".events", e),
                  "unknown event " + quote(hook.events[e]) + " (known: " + list + ")");
        }
    }
}

// Rules beyond the structure, for a config whose structure is right.
void check_config(Reader& r, const DaemonConfig& config, FileChecks files) {
    for (agent::ConfigError& error : agent::validate(config.cluster)) r.add(std::move(error));
    check_hooks(r, config.hooks, files);

    if (config.auth_key_file.empty()) r.add("auth_key_file", "must not be empty");

    std::map<std::string_view, std::string> check_names;
    for (std::size_t i = 0; i < config.health_checks.size(); ++i) {
        const std::string name_path = index_path("health_checks", i) + ".name";
        const std::string& name = config.health_checks[i].name;
        if (auto problem = check_name(name)) {
            r.add(name_path, *problem);
        } else if (auto [it, fresh] = check_names.emplace(name, name_path); !fresh) {
            r.add(name_path, quote(name) + " is already used by " + it->second);
        }
    }

    std::map<std::string_view, std::string> first_name;
    for (std::size_t g = 0; g < config.resources.size(); ++g) {
        const std::string list_path = index_path("groups", g) + ".resources";
        for (std::size_t i = 0; i < config.resources[g].size(); ++i) {
            const ResourceConfig& res = config.resources[g][i];
            const std::string path = index_path(list_path, i);
            const std::string name_path = path + ".name";
            if (auto problem = check_name(res.name)) {
                r.add(name_path, *problem);
            } else if (auto [it, fresh] = first_name.emplace(res.name, name_path); !fresh) {
                r.add(name_path, quote(res.name) + " is already used by " + it->second);
            }
            if (res.agent.empty()) r.add(path + ".agent", "must not be empty");
            if (res.promotable && (res.agent.starts_with("lsb:") || resources::is_systemd_agent(res.agent))) {
                r.add(path + ".promotable",
                      "lsb and systemd agents have no promote/demote actions; use an ocf agent or a script");
            }
            if (res.agent.starts_with("lsb:")) {
                if (auto parsed = resources::parse_lsb_agent(res.agent); std::holds_alternative<std::string>(parsed)) {
                    r.add(path + ".agent", std::get<std::string>(parsed));
                }
            }
            if (resources::is_systemd_agent(res.agent)) {
                if (auto parsed = resources::parse_systemd_agent(res.agent);
                    std::holds_alternative<std::string>(parsed)) {
                    r.add(path + ".agent", std::get<std::string>(parsed));
                }
            }
            if (resources::is_ocf_agent(res.agent)) {
                if (auto parsed = resources::parse_ocf_agent(res.agent); std::holds_alternative<std::string>(parsed)) {
                    r.add(path + ".agent", std::get<std::string>(parsed));
                }
                for (const auto& [name, value] : res.params) {
                    if (auto problem = resources::check_ocf_param(name)) r.add(child_path(path + ".params", name), *problem);
                }
            }
        }
    }
}

Errors one_error(std::string message) { return Errors{LoadError{"", std::move(message)}}; }

std::string too_large(std::string_view what, std::string_view size) {
    return std::string(what) + " is " + std::string(size) + " bytes; at most " +
           std::to_string(max_config_bytes) + " bytes (1 MiB) are allowed";
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

bool HookConfig::wants(std::string_view event) const {
    return events.empty() || std::find(events.begin(), events.end(), event) != events.end();
}

const char* to_string(HealthCheckType type) {
    switch (type) {
        case HealthCheckType::script: return "script";
        case HealthCheckType::tcp: return "tcp";
        case HealthCheckType::http: return "http";
        case HealthCheckType::link: return "link";
        case HealthCheckType::disk: return "disk";
        case HealthCheckType::memory: return "memory";
    }
    return "unknown";
}

namespace {

std::variant<DaemonConfig, std::vector<LoadError>> parse(std::string_view json_text, FileChecks files) noexcept {
    try {
        if (json_text.size() > max_config_bytes) {
            return one_error(too_large("the config", std::to_string(json_text.size())));
        }
        if (const auto at = too_deep(json_text)) {
            return one_error("objects and arrays are nested more than " +
                             std::to_string(max_nesting) + " levels deep (at byte " +
                             std::to_string(*at + 1) + "); a config needs at most 6");
        }
        Reader reader;
        DuplicateKeys duplicates(reader);
        const char* first = json_text.data();
        const char* last = first + json_text.size();
        const json root = json::parse(
            first, last,
            [&duplicates](int /*depth*/, json::parse_event_t event, json& parsed) {
                return duplicates.on_event(event, parsed);
            },
            /*allow_exceptions=*/false);
        if (root.is_discarded()) return one_error(describe_parse_error(first, last));

        DaemonConfig config = read_config(reader, root);
        if (!reader.failed()) check_config(reader, config, files);
        if (reader.failed()) return reader.take_errors();
        return config;
    } catch (const std::exception& e) {
        return one_error(std::string("cannot load the config: ") + e.what());
    } catch (...) {
        return one_error("cannot load the config: unknown error");
    }
}

}  // namespace

std::variant<DaemonConfig, std::vector<LoadError>> parse_config(std::string_view json_text) noexcept {
    return parse(json_text, FileChecks::yes);
}

std::variant<DaemonConfig, std::vector<LoadError>> parse_config_text(std::string_view json_text) noexcept {
    return parse(json_text, FileChecks::no);
}

std::variant<DaemonConfig, std::vector<LoadError>> load_config(
    const std::filesystem::path& file) noexcept {
    try {
        // Paths are shown whole (up to PATH_MAX), unlike echoed config values.
        const std::string shown = '"' + sanitize(file.string(), 4096, EscapeQuotes::yes) + '"';
        const FileDescriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0) return one_error("cannot open " + shown + ": " + os_reason(errno));

        // A regular file is refused by its size; anything else (a pipe, a device)
        // by reading one byte past the limit.
        struct stat info {};
        if (::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode) &&
            static_cast<std::uintmax_t>(info.st_size) > max_config_bytes) {
            return one_error(too_large(shown, std::to_string(info.st_size)));
        }
        std::string text;
        char buffer[64 * 1024];
        while (text.size() <= max_config_bytes) {
            const std::size_t want = std::min(sizeof buffer, max_config_bytes + 1 - text.size());
            const ssize_t n = ::read(fd.get(), buffer, want);
            if (n < 0) {
                if (errno == EINTR) continue;
                return one_error("cannot read " + shown + ": " + os_reason(errno));
            }
            if (n == 0) break;
            text.append(buffer, static_cast<std::size_t>(n));
        }
        if (text.size() > max_config_bytes)
            return one_error(too_large(shown, "more than " + std::to_string(max_config_bytes)));
        return parse_config(text);
    } catch (const std::exception& e) {
        return one_error(std::string("cannot load the config: ") + e.what());
    } catch (...) {
        return one_error("cannot load the config: unknown error");
    }
}

}  // namespace hacluster::daemon
