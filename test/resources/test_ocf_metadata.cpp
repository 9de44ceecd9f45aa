// OCF meta-data: the tolerant parser, the run of a real agent's meta-data
// (Debian's ocf:heartbeat:Dummy), and what a config takes from it
// (daemon/ocf_defaults.h): defaults, required parameters, agents not installed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <variant>

#include "daemon/ocf_defaults.h"
#include "res_test_support.h"
#include "resources/ocf_metadata.h"

namespace hacluster::resources::test {

namespace {

constexpr const char* sample = R"(<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Sample" version="1.2">
<version>1.1</version>
<longdesc lang="en">Long. <shortdesc>not this one</shortdesc></longdesc>
<shortdesc lang="en">A   sample
  agent &amp; friends</shortdesc>
<parameters>
<parameter name="ip" unique="1" required="1">
<longdesc lang="en">The address.</longdesc>
<shortdesc lang="en">IPv4 or IPv6 address</shortdesc>
<content type="string" default="" />
</parameter>
<!-- <parameter name="commented" required="1"/> -->
<parameter name='nic' required="0">
<shortdesc lang="en">Network interface</shortdesc>
<content type="string" default="eth0"/>
</parameter>
<parameter name="flag"/>
</parameters>
<actions>
<action name="start"   timeout="90s" />
<action name="stop"    timeout="100" />
<action name="monitor" depth="0" timeout="30s" interval="15s" role="Promoted"/>
<action name="monitor" depth="0" timeout="25s" interval="1min" />
<action name="meta-data" timeout="5s" />
</actions>
</resource-agent>
)";

// Writes an OCF agent into root/resource.d/test/NAME that prints meta_data for
// meta-data and exits 0 otherwise.
void write_agent(const TempDir& dir, const std::string& name, const std::string& meta_data) {
    std::filesystem::create_directories(dir.path() / "ocf/resource.d/test");
    write_file(dir.file("ocf/" + name + ".xml"), meta_data);
    dir.script("ocf/resource.d/test/" + name,
               "[ \"$1\" = meta-data ] && cat '" + dir.file("ocf/" + name + ".xml") + "'\nexit 0");
}

}  // namespace

TEST_CASE("meta-data parser: parameters, shortdescs, actions, tolerant of the rest", "[ocf][metadata]") {
    const auto parsed = parse_ocf_metadata(sample);
    REQUIRE(std::holds_alternative<OcfMetadata>(parsed));
    const auto& meta = std::get<OcfMetadata>(parsed);
    CHECK(meta.name == "Sample");
    CHECK(meta.version == "1.1");
    CHECK(meta.shortdesc == "A sample agent & friends");
    REQUIRE(meta.parameters.size() == 3);
    CHECK(meta.parameters[0].name == "ip");
    CHECK(meta.parameters[0].required);
    CHECK(meta.parameters[0].unique);
    CHECK(meta.parameters[0].shortdesc == "IPv4 or IPv6 address");
    CHECK(meta.parameters[0].type == "string");
    CHECK(meta.parameters[1].name == "nic");
    CHECK_FALSE(meta.parameters[1].required);
    CHECK(meta.parameters[1].default_value == "eth0");
    CHECK(meta.parameters[2].name == "flag");
    CHECK(meta.parameters[2].shortdesc.empty());
    REQUIRE(meta.action("start"));
    CHECK(meta.action("start")->timeout == std::chrono::seconds(90));
    CHECK(meta.action("stop")->timeout == std::chrono::seconds(100));
    REQUIRE(meta.action("monitor"));  // the one without a role
    CHECK(meta.action("monitor")->timeout == std::chrono::seconds(25));
    CHECK(meta.action("monitor")->interval == std::chrono::minutes(1));
    CHECK(meta.action("reload") == nullptr);
    CHECK(meta.actions.size() == 5);

    CHECK(parse_ocf_duration("250ms") == std::chrono::milliseconds(250));
    CHECK(parse_ocf_duration(" 2h ") == std::chrono::hours(2));
    for (const char* bad : {"", "s", "-5s", "5 s", "5days", "99999999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_ocf_duration(bad));
    }

    // Not meta-data, truncated, garbage: an error or what could be read, never a crash.
    CHECK(std::holds_alternative<std::string>(parse_ocf_metadata("usage: agent start|stop")));
    CHECK(std::holds_alternative<std::string>(parse_ocf_metadata(std::string(max_metadata_bytes + 1, ' '))));
    const std::string text(sample);
    for (std::size_t n = 0; n < text.size(); n += 7) (void)parse_ocf_metadata(text.substr(0, n));
    CHECK(std::holds_alternative<std::string>(parse_ocf_metadata(std::string(100, '<') + "resource-agent")));
}

TEST_CASE("meta-data of Debian's ocf:heartbeat:Dummy, run unmodified", "[ocf][metadata]") {
    const ScriptDirs dirs = ScriptDirs::standard();
    if (!std::filesystem::exists(dirs.ocf_root / "resource.d/heartbeat/Dummy")) {
        WARN("skipped: no " << (dirs.ocf_root / "resource.d/heartbeat/Dummy").string());
        return;
    }
    const auto read = read_ocf_metadata({"heartbeat", "Dummy"}, dirs);
    REQUIRE(std::holds_alternative<OcfMetadata>(read));
    const auto& meta = std::get<OcfMetadata>(read);
    CHECK(meta.name == "Dummy");
    bool has_state = false;
    for (const auto& p : meta.parameters) has_state = has_state || p.name == "state";
    CHECK(has_state);
    REQUIRE(meta.action("monitor"));
    CHECK(meta.action("monitor")->interval == std::chrono::seconds(10));

    const auto missing = read_ocf_metadata({"heartbeat", "NoSuchAgent"}, dirs);
    REQUIRE(std::holds_alternative<std::string>(missing));
    CHECK(std::get<std::string>(missing).find((dirs.ocf_root / "resource.d/heartbeat/NoSuchAgent").string()) !=
          std::string::npos);
}

TEST_CASE("a config's OCF resources: meta-data defaults, required params, missing agents", "[ocf][metadata]") {
    TempDir tmp;
    write_agent(tmp, "Sample", sample);
    write_agent(tmp, "Garbled", "this is not XML\n");
    ScriptDirs dirs;
    dirs.ocf_root = tmp.file("ocf");

    daemon::DaemonConfig config;
    ResourceConfig defaults;
    defaults.name = "a";
    defaults.agent = "ocf:test:Sample";
    defaults.params = {{"ip", "198.18.0.10"}};
    ResourceConfig configured = defaults;
    configured.name = "b";
    configured.start_timeout = std::chrono::seconds(5);
    configured.monitor_interval = std::chrono::seconds(3);
    config.resources = {{defaults, configured}};
    REQUIRE(daemon::apply_ocf_metadata(config, dirs).empty());
    const ResourceConfig& a = config.resources[0][0];
    CHECK(a.start_timeout == std::chrono::seconds(90));
    // The advertised stop timeout is shown, never taken: it would sit inside the lease.
    CHECK_FALSE(a.stop_timeout);
    CHECK(a.advertised_stop_timeout == std::chrono::seconds(100));
    CHECK(a.monitor_timeout == std::chrono::seconds(25));
    CHECK(a.monitor_interval == std::chrono::minutes(1));
    const ResourceConfig& b = config.resources[0][1];
    CHECK(b.start_timeout == std::chrono::seconds(5));  // the config wins
    CHECK(b.monitor_interval == std::chrono::seconds(3));
    CHECK_FALSE(b.stop_timeout);

    ResourceConfig no_ip = defaults;
    no_ip.params.clear();
    ResourceConfig absent = defaults;
    absent.agent = "ocf:test:Absent";
    ResourceConfig garbled = defaults;
    garbled.agent = "ocf:test:Garbled";
    ResourceConfig script;
    script.name = "s";
    script.agent = "vip";  // not OCF: untouched
    config.resources = {{script}, {no_ip, absent, garbled}};
    const auto errors = daemon::apply_ocf_metadata(config, dirs);
    REQUIRE(errors.size() == 3);
    CHECK(errors[0].path == "groups[1].resources[0].params");
    CHECK(errors[0].message.find("\"ip\"") != std::string::npos);
    CHECK(errors[1].path == "groups[1].resources[1].agent");
    CHECK(errors[1].message.find(tmp.file("ocf/resource.d/test/Absent")) != std::string::npos);
    CHECK(errors[2].path == "groups[1].resources[2].agent");
    CHECK(errors[2].message.find("not OCF meta-data") != std::string::npos);
    CHECK_FALSE(config.resources[0][0].start_timeout);
}

}  // namespace hacluster::resources::test
