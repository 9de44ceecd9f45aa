// Catch2's implementation in a file of its own (GCC 12 + sanitizers warn inside it),
// with a main that makes sure no test can reboot this machine: a `reboot`
// self-fence is only logged (daemon/stop_escalation.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char* argv[]) {
    ::setenv("HACLUSTER_NO_REBOOT", "1", 1);
    return Catch::Session().run(argc, argv);
}
