#include "resources/ocf_metadata.h"

#include <uv.h>

#include <algorithm>
#include <cstdint>
#include <system_error>

#include "resources/process_runner.h"

namespace hacluster::resources {

namespace {

constexpr std::size_t max_depth = 64;  // element nesting kept track of

struct Tag {
    std::string name;  // without '/', lower-case untouched (XML is case-sensitive)
    bool closing = false;
    bool self_closing = false;
    std::vector<std::pair<std::string, std::string>> attributes;

    std::string attribute(std::string_view key) const {
        for (const auto& [k, v] : attributes) {
            if (k == key) return v;
        }
        return {};
    }
};

std::string decode_entities(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out.push_back(text[i]);
            continue;
        }
        const std::size_t semi = text.find(';', i);
        const std::string_view entity = semi == std::string_view::npos ? "" : text.substr(i + 1, semi - i - 1);
        char c = 0;
        if (entity == "lt") c = '<';
        if (entity == "gt") c = '>';
        if (entity == "amp") c = '&';
        if (entity == "quot") c = '"';
        if (entity == "apos") c = '\'';
        if (c == 0) {
            out.push_back('&');
            continue;
        }
        out.push_back(c);
        i = semi;
    }
    return out;
}

// Whitespace runs become one space, none at the ends: shortdescs span lines.
std::string squeeze(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == ':' || c == '.';
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The tag in text[0..end) (between '<' and '>'), or nullopt when it is not one.
std::optional<Tag> read_tag(std::string_view text) {
    Tag tag;
    std::size_t i = 0;
    if (i < text.size() && text[i] == '/') {
        tag.closing = true;
        ++i;
    }
    const std::size_t name_start = i;
    while (i < text.size() && name_char(text[i])) ++i;
    if (i == name_start) return std::nullopt;
    tag.name = std::string(text.substr(name_start, i - name_start));
    if (!text.empty() && text.back() == '/') {
        tag.self_closing = true;
        text.remove_suffix(1);
    }
    while (i < text.size()) {
        while (i < text.size() && blank(text[i])) ++i;
        const std::size_t key_start = i;
        while (i < text.size() && name_char(text[i])) ++i;
        if (i == key_start) break;
        std::string key(text.substr(key_start, i - key_start));
        while (i < text.size() && blank(text[i])) ++i;
        if (i >= text.size() || text[i] != '=') break;
        ++i;
        while (i < text.size() && blank(text[i])) ++i;
        if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) break;
        const char quote = text[i++];
        const std::size_t end = text.find(quote, i);
        if (end == std::string_view::npos) break;
        tag.attributes.emplace_back(std::move(key), decode_entities(text.substr(i, end - i)));
        i = end + 1;
    }
    return tag;
}

bool truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes" || v == "on"; }

std::optional<std::chrono::nanoseconds> duration_attribute(const Tag& tag, std::string_view key) {
    const std::string text = tag.attribute(key);
    if (text.empty()) return std::nullopt;
    return parse_ocf_duration(text);
}

}  // namespace

const OcfActionInfo* OcfMetadata::action(std::string_view name) const {
    for (const OcfActionInfo& a : actions) {
        if (a.name == name && a.role.empty()) return &a;
    }
    return nullptr;
}

std::optional<std::chrono::nanoseconds> parse_ocf_duration(std::string_view text) {
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    std::size_t i = 0;
    std::int64_t value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value = value * 10 + (text[i] - '0');
        if (value > 365LL * 24 * 3600 * 1000) return std::nullopt;  // a year in ms: nonsense beyond
        ++i;
    }
    if (i == 0) return std::nullopt;
    const std::string_view unit = text.substr(i);
    using namespace std::chrono;
    if (unit.empty() || unit == "s" || unit == "sec") return seconds(value);
    if (unit == "ms" || unit == "msec") return milliseconds(value);
    if (unit == "m" || unit == "min") return minutes(value);
    if (unit == "h" || unit == "hr") return hours(value);
    return std::nullopt;
}

std::variant<OcfMetadata, std::string> parse_ocf_metadata(std::string_view xml) {
    if (xml.size() > max_metadata_bytes) {
        return "the meta-data is " + std::to_string(xml.size()) + " bytes; at most " +
               std::to_string(max_metadata_bytes) + " are read";
    }
    OcfMetadata meta;
    bool seen_agent = false;
    std::vector<std::string> open;  // element names from the root down
    constexpr std::size_t none = SIZE_MAX;
    std::size_t parameter = none;  // index of the <parameter> being read
    std::size_t text_from = 0;             // where the text after the last tag starts
    std::size_t i = 0;
    while (i < xml.size()) {
        const std::size_t lt = xml.find('<', i);
        if (lt == std::string_view::npos) break;
        const std::string_view text_before = xml.substr(text_from, lt - text_from);
        std::size_t gt = 0;
        if (xml.substr(lt).starts_with("<!--")) {
            gt = xml.find("-->", lt + 4);
            i = gt == std::string_view::npos ? xml.size() : gt + 3;
            continue;  // text around a comment is joined: text_from stays
        }
        if (xml.substr(lt).starts_with("<![CDATA[")) {
            gt = xml.find("]]>", lt);
            i = gt == std::string_view::npos ? xml.size() : gt + 3;
            continue;
        }
        gt = xml.find('>', lt + 1);
        if (gt == std::string_view::npos) break;
        i = gt + 1;
        text_from = i;
        const char first = lt + 1 < xml.size() ? xml[lt + 1] : '\0';
        if (first == '?' || first == '!') continue;  // declarations, DOCTYPE
        const auto tag = read_tag(xml.substr(lt + 1, gt - lt - 1));
        if (!tag) continue;

        if (tag->closing) {
            // The text of the element that closes here.
            const std::string text = squeeze(decode_entities(text_before));
            const std::string parent = open.size() >= 2 ? open[open.size() - 2] : std::string();
            if (tag->name == "shortdesc" && !open.empty() && open.back() == "shortdesc") {
                if (parameter != none && parent == "parameter") {
                    meta.parameters[parameter].shortdesc = text;
                } else if (parent == "resource-agent") {
                    meta.shortdesc = text;
                }
            }
            if (tag->name == "version" && parent == "resource-agent" && !open.empty() && open.back() == "version") {
                meta.version = text;
            }
            if (tag->name == "parameter") parameter = none;
            // Pop up to the matching element; an unmatched close is stray text.
            const auto match = std::find(open.rbegin(), open.rend(), tag->name);
            if (match != open.rend()) open.erase(std::prev(match.base()), open.end());
            continue;
        }

        if (tag->name == "resource-agent" && !seen_agent) {
            seen_agent = true;
            meta.name = tag->attribute("name");
            meta.version = tag->attribute("version");
        } else if (tag->name == "parameter" && seen_agent && meta.parameters.size() < max_metadata_entries) {
            OcfParameter p;
            p.name = tag->attribute("name");
            p.required = truthy(tag->attribute("required"));
            p.unique = truthy(tag->attribute("unique"));
            if (!p.name.empty()) {
                meta.parameters.push_back(std::move(p));
                if (!tag->self_closing) parameter = meta.parameters.size() - 1;
            }
        } else if (tag->name == "content" && parameter != none) {
            meta.parameters[parameter].type = tag->attribute("type");
            meta.parameters[parameter].default_value = tag->attribute("default");
        } else if (tag->name == "action" && seen_agent && meta.actions.size() < max_metadata_entries) {
            OcfActionInfo a;
            a.name = tag->attribute("name");
            a.timeout = duration_attribute(*tag, "timeout");
            a.interval = duration_attribute(*tag, "interval");
            a.depth = tag->attribute("depth");
            a.role = tag->attribute("role");
            if (!a.name.empty()) meta.actions.push_back(std::move(a));
        }
        if (!tag->self_closing) {
            if (open.size() >= max_depth) return std::string("the meta-data nests elements too deep");
            open.push_back(tag->name);
        }
    }
    if (!seen_agent) return std::string("the output is not OCF meta-data: no <resource-agent> element");
    return meta;
}

std::variant<OcfMetadata, std::string> read_ocf_metadata(const OcfAgent& agent, const ScriptDirs& dirs) {
    const std::filesystem::path program = ocf_agent_path(dirs.ocf_root, agent);
    const std::string where = program.string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(program, ec) || ::access(program.c_str(), X_OK) != 0) {
        return "ocf:" + agent.provider + ":" + agent.type + " is not installed: no executable " + where +
               " (OCF_ROOT " + dirs.ocf_root.string() + ")";
    }
    ProcessSpec spec;
    spec.argv = {where, "meta-data"};
    spec.env = {"OCF_ROOT=" + dirs.ocf_root.string(),
                "OCF_RA_VERSION_MAJOR=1",
                "OCF_RA_VERSION_MINOR=1",
                "OCF_RESOURCE_TYPE=" + agent.type,
                "OCF_RESOURCE_PROVIDER=" + agent.provider,
                std::string("PATH=") + script_path};
    spec.timeout = metadata_timeout;
    spec.kill_grace = std::chrono::seconds(1);
    // One byte over the limit tells a too-large text from one that fits.
    spec.output_limit = max_metadata_bytes + 1;

    uv_loop_t loop{};
    if (const int rc = uv_loop_init(&loop); rc != 0) {
        return "cannot run " + where + " meta-data: " + uv_strerror(rc);
    }
    std::optional<ProcessResult> result;
    {
        ProcessRunner runner(&loop);
        runner.run(std::move(spec), [&result](ProcessId, ProcessResult r) { result = std::move(r); });
        // The runner's own timeout (and kill) bounds this loop.
        while (!result && uv_run(&loop, UV_RUN_ONCE) != 0) {
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT);  // the runner's closed handles
    (void)uv_loop_close(&loop);
    if (!result) return "cannot run " + where + " meta-data: no result";
    if (result->status != agent::ExecStatus::done) {
        return where + " meta-data " + agent::to_string(result->status) +
               (result->status == agent::ExecStatus::spawn_failed ? ": " + result->output : std::string());
    }
    if (result->exit_code != 0) {
        return where + " meta-data exited with " + std::to_string(result->exit_code);
    }
    auto parsed = parse_ocf_metadata(result->output);
    if (auto* error = std::get_if<std::string>(&parsed)) return where + " meta-data: " + *error;
    return parsed;
}

}  // namespace hacluster::resources
