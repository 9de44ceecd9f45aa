// haclusterctl: the operator's command-line tool (ctl/README.md, ctl/PROTOCOL.md).
#include <iostream>
#include <string>
#include <vector>

#include "ctl/command_tree.h"

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    const auto code = hacluster::ctl::run_haclusterctl(args, std::cout, std::cerr);
    std::cout.flush();
    return hacluster::ctl::to_int(code);
}
