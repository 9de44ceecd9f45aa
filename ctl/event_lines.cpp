#include "ctl/event_lines.h"

#include <utility>

#include "ctl/data_reader.h"
#include "ctl/text_table.h"

namespace hacluster::ctl {

std::variant<std::vector<EventRecord>, std::string> decode_events(const Json& data) {
    DataReader r;
    std::vector<EventRecord> events;
    if (const Json* list = r.array(data, "events", "")) {
        for (std::size_t i = 0; i < list->size() && !r.failed(); ++i) {
            const Json& e = (*list)[i];
            const std::string path = DataReader::index("events", i);
            if (!r.is_object(e, path)) break;
            EventRecord event;
            event.at = r.string(e, "at", path);
            event.kind = r.string(e, "kind", path);
            event.node = r.nullable_string(e, "node", path);
            event.group = r.nullable_string(e, "group", path);
            event.term = r.nullable_unsigned(e, "term", path);
            event.reason = r.nullable_string(e, "reason", path);
            events.push_back(std::move(event));
        }
    }
    if (r.failed()) return r.error();
    return events;
}

std::string event_line(const EventRecord& event) {
    std::string line = terminal_safe(event.at) + " " + terminal_safe(event.kind);
    if (event.group) {
        line += " " + terminal_safe(*event.group);
        if (event.node) line += " on " + terminal_safe(*event.node);
    } else if (event.node) {
        line += " " + terminal_safe(*event.node);
    }
    if (event.term) line += " term=" + std::to_string(*event.term);
    if (event.reason && !event.reason->empty()) line += " reason=" + terminal_safe(*event.reason);
    return line + "\n";
}

std::string event_lines(const std::vector<EventRecord>& events) {
    std::string out;
    for (const EventRecord& event : events) out += event_line(event);
    return out;
}

}  // namespace hacluster::ctl
