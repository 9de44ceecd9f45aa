#pragma once
// haclusterctl's command tree (CLI11) and what each command does; main() only
// passes argv and the standard streams, so tests run the whole tool in-process.
#include <ostream>
#include <string>
#include <vector>

#include "ctl/exit_code.h"

namespace hacluster::ctl {

// args without the program name. Results go to out, errors (prefixed
// "haclusterctl: ") to err; the exit code follows ctl/PROTOCOL.md. Never throws.
[[nodiscard]] ExitCode run_haclusterctl(const std::vector<std::string>& args, std::ostream& out,
                                        std::ostream& err) noexcept;

}  // namespace hacluster::ctl
